import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ExecutorConfigError, loadExecutorConfig } from '../config/executor-config.js';
import { checkpointBackend } from './checkpoint-backend.factory.js';
import { CheckpointStore } from './checkpoint.store.js';
import { ObjectCheckpointStore } from './object-checkpoint.store.js';

const log = pino({ level: 'silent' });
const base = { AEPO_EXECUTOR_TOKEN: 'executor-token-0123456789' };

describe('checkpointBackend', () => {
  it('keeps checkpoints on the folder without a bucket, in the object store with one', () => {
    expect(checkpointBackend(loadExecutorConfig(base), log)).toBeInstanceOf(CheckpointStore);
    const config = loadExecutorConfig({
      ...base,
      AEPO_ARTIFACTS_S3_BUCKET: 'models',
      AEPO_ARTIFACTS_S3_ENDPOINT: 'http://127.0.0.1:9000',
      AEPO_EXECUTOR_ARTIFACTS_GIVE_UP_SECONDS: '60',
    });
    expect(config.objectStore).toMatchObject({ bucket: 'models', forcePathStyle: true });
    expect(config.artifactsGiveUpSeconds).toBe(60);
    expect(checkpointBackend(config, log)).toBeInstanceOf(ObjectCheckpointStore);
  });

  it('refuses unusable object store settings, naming the variables', () => {
    const load = () =>
      loadExecutorConfig({
        ...base,
        AEPO_ARTIFACTS_S3_BUCKET: 'models',
        AEPO_ARTIFACTS_S3_ACCESS_KEY_ID: 'k',
      });
    expect(load).toThrow(ExecutorConfigError);
    expect(load).toThrow(
      /AEPO_ARTIFACTS_S3_SECRET_ACCESS_KEY: is required with AEPO_ARTIFACTS_S3_ACCESS_KEY_ID/,
    );
    expect(() => loadExecutorConfig({ ...base, AEPO_EXECUTOR_ARTIFACTS_RETRY_MAX_MS: '0' })).toThrow(
      /AEPO_EXECUTOR_ARTIFACTS_RETRY_MAX_MS/,
    );
  });
});
