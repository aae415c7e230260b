import { status } from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { toGrpcError } from '../common/grpc-error.mapper.js';
import type { ApiConfig } from '../config/api-config.js';
import type { JobEntity } from '../database/entities/index.js';
import type { JobService } from '../jobs/job.service.js';
import type { ArtifactRepository } from './artifact.repository.js';
import { ArtifactService } from './artifact.service.js';

const log = pino({ level: 'silent' });
const JOB = '6f1c1e8e-3a53-4d7f-9d55-0c1a3c9f2b10';
// Only the request checks and the no-store answer are unit-tested here; the object-store paths run
// against a real SeaweedFS in test/artifacts.e2e-spec.ts.
const jobs = {
  find: (_p: string, id: string) => Promise.resolve({ id, bestCheckpointId: null } as JobEntity),
};
const service = new ArtifactService(
  { objectStore: undefined, artifactUrlTtlSeconds: 900 } as ApiConfig,
  jobs as unknown as JobService,
  {} as ArtifactRepository,
  log,
);

async function failure(req: object): Promise<ApiError> {
  try {
    await service.downloadUrls('p', JOB, { name: `projects/p/jobs/${JOB}`, urlTtlSeconds: 0, ...req });
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('accepted');
}

describe('ArtifactService', () => {
  it('names every bad field of a request', async () => {
    const e = await failure({
      checkpointStep: 2.5,
      bestCheckpoint: false,
      urlTtlSeconds: 700_000,
    });
    expect(e.code).toBe(ApiErrorCode.INVALID_INPUT);
    expect(e.violations.map((v) => v.field)).toEqual([
      'artifact',
      'checkpoint_step',
      'best_checkpoint',
      'url_ttl_seconds',
    ]);
    expect((await failure({})).violations).toEqual([
      {
        field: 'artifact',
        description: 'set exactly one of checkpoint_step, best_checkpoint, exported_model',
      },
    ]);
  });

  it('answers FAILED_PRECONDITION, saying why, when the deployment has no object store', async () => {
    const e = await failure({ exportedModel: true });
    expect(e.code).toBe(ApiErrorCode.NOT_CONFIGURED);
    const grpc = toGrpcError(e, log, {});
    expect(grpc.code).toBe(status.FAILED_PRECONDITION);
    expect(grpc.details).toMatch(/no object store is configured \(AEPO_ARTIFACTS_S3_BUCKET\)/);
  });
});
