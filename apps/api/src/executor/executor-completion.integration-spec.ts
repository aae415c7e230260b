import { Metadata, status } from '@grpc/grpc-js';
import { JobState, executorV1, type FineTuningServiceClient } from '@aepo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../testing/grpc-helpers.js';
import { call, type TestApi } from '../testing/test-api.js';
import { emd, startExecutorFixture, type ExecutorFixture } from './executor-spec.fixture.js';

const { Outcome } = executorV1;

// The executor protocol (one file per topic), completion: outcomes, errors and the exported model.

let t: TestApi;
let c: FineTuningServiceClient;
let ex: executorV1.ExecutorServiceClient;
let md: Metadata;
let createJob: ExecutorFixture['createJob'];
let lease: ExecutorFixture['lease'];
let drainQueue: ExecutorFixture['drainQueue'];

beforeAll(async () => {
  ({ t, c, ex, md, createJob, lease, drainQueue } = await startExecutorFixture());
});

afterAll(async () => {
  await t?.close();
});

describe('executor protocol', () => {
  it('completes with FAILED and an error, and validates outcomes', async () => {
    await drainQueue();
    const job = await createJob();
    const l = (await lease('f')).lease!;
    const noErr = await failure(
      call(
        ex,
        ex.completeJob,
        { jobId: job.id, attempt: l.attempt, outcome: Outcome.OUTCOME_FAILED, steps: [], evaluations: [] },
        emd,
      ),
    );
    expect(noErr.fields).toEqual(['error']);
    const notCancelled = await failure(
      call(
        ex,
        ex.completeJob,
        { jobId: job.id, attempt: l.attempt, outcome: Outcome.OUTCOME_CANCELLED, steps: [], evaluations: [] },
        emd,
      ),
    );
    expect(notCancelled.code).toBe(status.FAILED_PRECONDITION);
    const failedWithModel = await failure(
      call(
        ex,
        ex.completeJob,
        {
          jobId: job.id,
          attempt: l.attempt,
          outcome: Outcome.OUTCOME_FAILED,
          error: { code: 13, message: 'engine crashed', details: [] },
          steps: [],
          evaluations: [],
          exportedModelUri: 's3://models/x/model/',
        },
        emd,
      ),
    );
    expect(failedWithModel.fields).toEqual(['exported_model_uri']);
    const done = await call(
      ex,
      ex.completeJob,
      {
        jobId: job.id,
        attempt: l.attempt,
        outcome: Outcome.OUTCOME_FAILED,
        error: { code: 13, message: 'engine crashed', details: [] },
        steps: [],
        evaluations: [],
      },
      emd,
    );
    expect(done.job).toMatchObject({
      state: JobState.JOB_STATE_FAILED,
      error: { code: 13, message: 'engine crashed' },
      exportedModelUri: '',
    });
    expect((await failure(call(c, c.cancelJob, { name: job.name }, md))).code).toBe(
      status.FAILED_PRECONDITION,
    );
  });

  it('records the exported model of a SUCCEEDED job', async () => {
    await drainQueue();
    const job = await createJob();
    const l = (await lease('m')).lease!;
    const tooLong = await failure(
      call(
        ex,
        ex.completeJob,
        {
          jobId: job.id,
          attempt: l.attempt,
          outcome: Outcome.OUTCOME_SUCCEEDED,
          steps: [],
          evaluations: [],
          exportedModelUri: `s3://models/${'x'.repeat(2048)}`,
        },
        emd,
      ),
    );
    expect(tooLong.fields).toEqual(['exported_model_uri']);
    const uri = `s3://models/aepo/${job.id}/model/`;
    const done = await call(
      ex,
      ex.completeJob,
      {
        jobId: job.id,
        attempt: l.attempt,
        outcome: Outcome.OUTCOME_SUCCEEDED,
        steps: [],
        evaluations: [],
        exportedModelUri: uri,
      },
      emd,
    );
    expect(done.job).toMatchObject({ state: JobState.JOB_STATE_SUCCEEDED, exportedModelUri: uri });
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.exportedModelUri).toBe(uri);
  });
});
