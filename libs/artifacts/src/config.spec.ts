import { describe, expect, it } from 'vitest';
import { ObjectStoreConfigError, objectStoreConfigFromEnv } from './config.js';

const problems = (env: Record<string, string>) => {
  try {
    objectStoreConfigFromEnv(env);
  } catch (e) {
    return (e as ObjectStoreConfigError).problems;
  }
  throw new Error('accepted');
};

describe('objectStoreConfigFromEnv', () => {
  it('answers undefined without a bucket (the checkpoint folder stays the store)', () => {
    expect(objectStoreConfigFromEnv({})).toBeUndefined();
    expect(objectStoreConfigFromEnv({ AEPO_ARTIFACTS_S3_BUCKET: '' })).toBeUndefined();
  });

  it('reads a MinIO/SeaweedFS-style store: prefix gets its slash, path style by default with an endpoint', () => {
    expect(
      objectStoreConfigFromEnv({
        AEPO_ARTIFACTS_S3_BUCKET: 'models',
        AEPO_ARTIFACTS_S3_ENDPOINT: 'http://127.0.0.1:8333/',
        AEPO_ARTIFACTS_S3_PREFIX: 'team/aepo',
        AEPO_ARTIFACTS_S3_ACCESS_KEY_ID: 'k',
        AEPO_ARTIFACTS_S3_SECRET_ACCESS_KEY: 's',
      }),
    ).toEqual({
      bucket: 'models',
      prefix: 'team/aepo/',
      endpoint: 'http://127.0.0.1:8333',
      region: 'us-east-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      forcePathStyle: true,
    });
    const aws = objectStoreConfigFromEnv({
      AEPO_ARTIFACTS_S3_BUCKET: 'models',
      AEPO_ARTIFACTS_S3_REGION: 'eu-west-1',
    });
    expect(aws).toMatchObject({
      endpoint: undefined,
      region: 'eu-west-1',
      credentials: undefined,
      forcePathStyle: false,
      prefix: '',
    });
  });

  it('names every bad variable', () => {
    expect(
      problems({
        AEPO_ARTIFACTS_S3_BUCKET: 'Bad_Bucket',
        AEPO_ARTIFACTS_S3_ENDPOINT: 'localhost:9000',
        AEPO_ARTIFACTS_S3_PREFIX: '/abs',
        AEPO_ARTIFACTS_S3_ACCESS_KEY_ID: 'k',
        AEPO_ARTIFACTS_S3_FORCE_PATH_STYLE: 'yes',
      }).map((p) => p.split(':')[0]),
    ).toEqual([
      'AEPO_ARTIFACTS_S3_BUCKET',
      'AEPO_ARTIFACTS_S3_ENDPOINT',
      'AEPO_ARTIFACTS_S3_PREFIX',
      'AEPO_ARTIFACTS_S3_SECRET_ACCESS_KEY',
      'AEPO_ARTIFACTS_S3_FORCE_PATH_STYLE',
    ]);
    expect(problems({ AEPO_ARTIFACTS_S3_ENDPOINT: 'http://x:1' })).toEqual([
      'AEPO_ARTIFACTS_S3_ENDPOINT: needs AEPO_ARTIFACTS_S3_BUCKET (no bucket, no object store)',
    ]);
  });
});
