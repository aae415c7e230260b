import { Metadata, status } from '@grpc/grpc-js';
import {
  EvaluationRecord,
  JobState,
  UpdateJobRequest,
  executorV1,
  type FineTuningServiceClient,
} from '@aepo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, failure, readUntil, tinyRows } from '../testing/grpc-helpers.js';
import { call, type TestApi } from '../testing/test-api.js';
import { emd, startExecutorFixture, step, type ExecutorFixture } from './executor-spec.fixture.js';

const { DatasetRole, Outcome } = executorV1;

// The executor protocol (one file per topic), dataset rows and step/evaluation records: streaming,
// idempotent storage, heartbeat controls.

let t: TestApi;
let c: FineTuningServiceClient;
let ex: executorV1.ExecutorServiceClient;
let md: Metadata;
let validationName: string;
let createJob: ExecutorFixture['createJob'];
let lease: ExecutorFixture['lease'];
let finish: ExecutorFixture['finish'];
let drainQueue: ExecutorFixture['drainQueue'];

beforeAll(async () => {
  ({ t, c, ex, md, validationName, createJob, lease, finish, drainQueue } = await startExecutorFixture());
});

afterAll(async () => {
  await t?.close();
});

describe('executor protocol', () => {
  it('streams the dataset rows of a leased job in order, from an offset', async () => {
    await drainQueue();
    const job = await createJob({ validationDataset: '' });
    const { lease: l } = await lease('rows');
    const batches = await collect(
      ex.streamDatasetRows(
        { jobId: job.id, attempt: l!.attempt, role: DatasetRole.DATASET_ROLE_TRAINING, offset: 0 },
        emd,
      ),
    );
    const rows = batches.flatMap((b) => b.rows);
    expect(rows).toEqual(tinyRows(2500));
    expect(batches.map((b) => b.firstIndex)).toEqual(
      batches.map((_, i) => batches.slice(0, i).reduce((n, b) => n + b.rows.length, 0)),
    );
    expect(batches[0]!.totalRows).toBe(2500);
    const tail = await collect(
      ex.streamDatasetRows(
        { jobId: job.id, attempt: l!.attempt, role: DatasetRole.DATASET_ROLE_TRAINING, offset: 2490 },
        emd,
      ),
    );
    expect(tail.flatMap((b) => b.rows)).toEqual(tinyRows(2500).slice(2490));
    const noVal = await collect(
      ex.streamDatasetRows(
        { jobId: job.id, attempt: l!.attempt, role: DatasetRole.DATASET_ROLE_VALIDATION, offset: 0 },
        emd,
      ),
    ).catch((e: { code: number }) => e.code);
    expect(noVal).toBe(status.NOT_FOUND);
    const stale = await collect(
      ex.streamDatasetRows(
        { jobId: job.id, attempt: l!.attempt + 1, role: DatasetRole.DATASET_ROLE_TRAINING, offset: 0 },
        emd,
      ),
    ).catch((e: { code: number }) => e.code);
    expect(stale).toBe(status.ABORTED);
    await finish(l);
  });

  it('stores step records once per step, streams them live, and carries controls in the heartbeat answer', async () => {
    await drainQueue();
    const job = await createJob({ validationDataset: validationName });
    const { lease: l } = await lease('steps');
    const a = l!.attempt;
    const follow = c.streamStepRecords({ parent: job.name, afterStep: 1 }, md);
    const seen = readUntil(follow, (items) => items.some((i) => i.record!.step === 4));
    const hb1 = await call(
      ex,
      ex.heartbeat,
      { rewindReason: '', jobId: job.id, attempt: a, steps: [step(1), step(2)], evaluations: [] },
      emd,
    );
    expect(hb1.storedSteps).toBe(2);
    expect(hb1.cancelRequested).toBe(false);
    // A replayed batch (e.g. after a lost answer) is accepted but not duplicated.
    const hb2 = await call(
      ex,
      ex.heartbeat,
      {
        rewindReason: '',
        jobId: job.id,
        attempt: a,
        steps: [step(2, { entropy: 9 }), step(3), step(4, { targetUnreachable: true })],
        evaluations: [EvaluationRecord.fromPartial({ step: 4, accuracy: 0.7, passAtK: 0.9, k: 4 })],
      },
      emd,
    );
    expect(hb2.storedSteps).toBe(2);
    const streamed = await seen;
    expect(streamed.map((s) => s.record!.step)).toEqual([2, 3, 4]);
    const list = await call(c, c.listStepRecords, { parent: job.name, pageSize: 2, pageToken: '' }, md);
    const rest = await call(
      c,
      c.listStepRecords,
      { parent: job.name, pageSize: 2, pageToken: list.nextPageToken },
      md,
    );
    const all = [...list.records, ...rest.records];
    expect(all.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(all[1]!.entropy).toBe(step(2).entropy);
    expect(all[3]!.targetUnreachable).toBe(true);
    expect(rest.nextPageToken).toBe('');
    const evals = await call(
      c,
      c.listEvaluationRecords,
      { parent: job.name, pageSize: 0, pageToken: '' },
      md,
    );
    expect(evals.records).toMatchObject([{ step: 4, accuracy: 0.7, passAtK: 0.9, k: 4, attempt: a }]);
    const got = (await call(c, c.getJob, { name: job.name }, md)).job!;
    expect(got.currentStep).toBe(4);
    expect(got.latestStep!.step).toBe(4);
    const events = await call(c, c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }, md);
    expect(events.events.map((e) => e.type)).toContain('JOB_EVENT_TYPE_TARGET_UNREACHABLE');

    await call(
      c,
      c.updateJob,
      UpdateJobRequest.fromPartial({
        job: {
          name: job.name,
          spec: { entropyTarget: { constant: 0.5, estimator: 'ENTROPY_ESTIMATOR_FULL_VOCAB' as never } },
        },
        updateMask: ['spec.entropy_target'],
      }),
      md,
    );
    await call(c, c.cancelJob, { name: job.name }, md);
    const hb3 = await call(
      ex,
      ex.heartbeat,
      { rewindReason: '', jobId: job.id, attempt: a, steps: [], evaluations: [] },
      emd,
    );
    expect(hb3).toMatchObject({ cancelRequested: true, entropyTargetRevision: 1 });
    expect(hb3.entropyTarget!.constant).toBe(0.5);
    const bad = await failure(
      call(
        ex,
        ex.heartbeat,
        { rewindReason: '', jobId: job.id, attempt: a, steps: [step(0)], evaluations: [] },
        emd,
      ),
    );
    expect(bad.fields).toEqual(['steps[0].step']);
    const done = await call(
      ex,
      ex.completeJob,
      { jobId: job.id, attempt: a, outcome: Outcome.OUTCOME_CANCELLED, steps: [step(5)], evaluations: [] },
      emd,
    );
    expect(done.job!.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(done.job!.currentStep).toBe(5);
    const finished = await collect(c.streamStepRecords({ parent: job.name, afterStep: 3 }, md));
    expect(finished.map((s) => s.record!.step)).toEqual([4, 5]);
  });

  it('keeps NaN and infinite numbers of a record as they are (not 0)', async () => {
    await drainQueue();
    const job = await createJob();
    const l = (await lease('nan')).lease!;
    await call(
      ex,
      ex.heartbeat,
      {
        rewindReason: '',
        jobId: job.id,
        attempt: l.attempt,
        steps: [
          // approx_kl (65) and the dual-clip fraction as the executor reports them (issue 13).
          step(1, {
            loss: Number.NaN,
            gradNorm: Number.POSITIVE_INFINITY,
            kl: Number.NEGATIVE_INFINITY,
            approxKl: 0.0123,
            dualClipFraction: 0.004,
          }),
        ],
        evaluations: [EvaluationRecord.fromPartial({ step: 1, accuracy: 0.5, entropy: Number.NaN })],
      },
      emd,
    );
    const [r] = (await call(c, c.listStepRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md))
      .records;
    expect(r!.loss).toBeNaN();
    expect(r!.gradNorm).toBe(Number.POSITIVE_INFINITY);
    expect(r!.kl).toBe(Number.NEGATIVE_INFINITY);
    expect([r!.approxKl, r!.dualClipFraction]).toEqual([0.0123, 0.004]);
    expect(r!.rewardMean).toBe(0.5);
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.latestStep!.loss).toBeNaN();
    const [e] = (await call(c, c.listEvaluationRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md))
      .records;
    expect(e!.entropy).toBeNaN();
    await finish(l);
  });
});
