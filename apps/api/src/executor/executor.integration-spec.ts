import { Metadata, status } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  EvaluationRecord,
  JobSpec,
  JobState,
  StepRecord,
  executorV1,
  type FineTuningServiceClient,
} from '@aepo/contracts';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, failure, readUntil, tinyRows, upload } from '../testing/grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, startTestApi, type TestApi } from '../testing/test-api.js';

const { DatasetRole, Outcome } = executorV1;

let t: TestApi;
let c: FineTuningServiceClient;
let ex: executorV1.ExecutorServiceClient;
let md: Metadata;
const emd = bearer(EXECUTOR_TOKEN);
let datasetId: string;
let validationId: string;

const createJob = async (over: Partial<JobSpec> = {}) =>
  (
    await call(
      c,
      c.createJob,
      CreateJobRequest.fromPartial({
        spec: {
          baseModel: 'builtin:tiny-arith',
          trainingDatasetId: datasetId,
          entropyTarget: { constant: 0.3 },
          ...over,
        },
      }),
      md,
    )
  ).job!;

const lease = (executorId: string, waitSeconds = 0, models: string[] = []) =>
  call(ex, ex.leaseJob, { executorId, waitSeconds, models }, emd, { deadline: Date.now() + 10_000 });

const finish = (l: executorV1.Lease | undefined) =>
  call(
    ex,
    ex.completeJob,
    {
      jobId: l!.job!.id,
      attempt: l!.attempt,
      outcome: Outcome.OUTCOME_SUCCEEDED,
      steps: [],
      evaluations: [],
    },
    emd,
  );

/** Takes every queued job so each test starts from an empty queue (tests finish what they lease). */
async function drainQueue(): Promise<void> {
  for (;;) {
    const { lease: l } = await lease('drain');
    if (!l) return;
    await call(
      ex,
      ex.completeJob,
      {
        jobId: l.job!.id,
        attempt: l.attempt,
        outcome: Outcome.OUTCOME_SUCCEEDED,
        steps: [],
        evaluations: [],
      },
      emd,
    );
  }
}

const step = (n: number, over: Partial<StepRecord> = {}): StepRecord =>
  StepRecord.fromPartial({
    step: n,
    entropy: 0.3 + n / 100,
    entropyTarget: 0.3,
    rewardMean: 0.5,
    accuracy: 0.5,
    ...over,
  });

beforeAll(async () => {
  t = await startTestApi({ leaseTtlSeconds: 2, reaperIntervalMs: 100, maxLeaseExpirations: 2 });
  c = t.fineTuning();
  ex = t.executor;
  ({ md } = await t.newProject('exec'));
  datasetId = (
    await upload(c, md, [
      { metadata: { displayName: 'train', labels: {}, requestId: '' }, rows: tinyRows(2500) },
    ])
  ).dataset!.id;
  validationId = (
    await upload(c, md, [{ metadata: { displayName: 'val', labels: {}, requestId: '' }, rows: tinyRows(7) }])
  ).dataset!.id;
});

afterAll(async () => {
  await t?.close();
});

describe('executor protocol', () => {
  it('accepts only the executor token', async () => {
    expect(
      (await failure(call(ex, ex.leaseJob, { executorId: 'x', waitSeconds: 0, models: [] }, md))).code,
    ).toBe(status.UNAUTHENTICATED);
    expect(
      (await failure(call(ex, ex.leaseJob, { executorId: 'x', waitSeconds: 0, models: [] }, new Metadata())))
        .code,
    ).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(c, c.listModels, {}, emd))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(lease(''))).fields).toEqual(['executor_id']);
  });

  it('answers an empty lease when nothing is queued, and wakes a waiting lease at once on create', async () => {
    await drainQueue();
    expect((await lease('e1')).lease).toBeUndefined();
    const waiting = lease('e1', 5);
    await new Promise((r) => setTimeout(r, 200));
    const created = Date.now();
    const job = await createJob();
    const got = await waiting;
    const delay = Date.now() - created;
    expect(got.lease!.job!.id).toBe(job.id);
    // A sleep-polling loop (5 s fallback) would take seconds; NOTIFY wakes it within milliseconds
    // (the margin is for a busy machine).
    expect(delay).toBeLessThan(3000);
    expect(got.lease!.attempt).toBe(1);
    expect(got.lease!.job!.state).toBe(JobState.JOB_STATE_RUNNING);
    expect(got.lease!.job!.spec!.aepo!.tHigh).toBe(1.2);
    expect(got.lease!.resumeFrom).toBeUndefined();
    expect(got.lease!.expireTime!.getTime()).toBeGreaterThan(Date.now());
    await call(
      ex,
      ex.completeJob,
      { jobId: job.id, attempt: 1, outcome: Outcome.OUTCOME_SUCCEEDED, steps: [], evaluations: [] },
      emd,
    );
  });

  it('skips jobs of models the executor cannot load', async () => {
    await drainQueue();
    await createJob();
    expect((await lease('picky', 0, ['hf:Qwen/Qwen2.5-Math-7B'])).lease).toBeUndefined();
    const got = (await lease('any', 0, ['builtin:tiny-arith'])).lease;
    expect(got).toBeDefined();
    await finish(got);
  });

  it('gives one job to exactly one of many racing executors', async () => {
    await drainQueue();
    const jobs = [await createJob(), await createJob(), await createJob()];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => lease(`racer-${i}`, 1)));
    const leased = results.flatMap((r) => (r.lease ? [r.lease.job!.id] : []));
    expect(leased.sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const r of results) if (r.lease) await finish(r.lease);
  });

  it('streams the dataset rows of a leased job in order, from an offset', async () => {
    await drainQueue();
    const job = await createJob({ validationDatasetId: '' });
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
    const job = await createJob({ validationDatasetId: validationId });
    const { lease: l } = await lease('steps');
    const a = l!.attempt;
    const follow = c.streamStepRecords({ jobId: job.id, afterStep: 1 }, md);
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
    const list = await call(c, c.listStepRecords, { jobId: job.id, pageSize: 2, pageToken: '' }, md);
    const rest = await call(
      c,
      c.listStepRecords,
      { jobId: job.id, pageSize: 2, pageToken: list.nextPageToken },
      md,
    );
    const all = [...list.records, ...rest.records];
    expect(all.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(all[1]!.entropy).toBe(step(2).entropy);
    expect(all[3]!.targetUnreachable).toBe(true);
    expect(rest.nextPageToken).toBe('');
    const evals = await call(c, c.listEvaluationRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md);
    expect(evals.records).toMatchObject([{ step: 4, accuracy: 0.7, passAtK: 0.9, k: 4, attempt: a }]);
    const got = (await call(c, c.getJob, { id: job.id }, md)).job!;
    expect(got.currentStep).toBe(4);
    expect(got.latestStep!.step).toBe(4);
    const events = await call(c, c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }, md);
    expect(events.events.map((e) => e.type)).toContain('JOB_EVENT_TYPE_TARGET_UNREACHABLE');

    await call(
      c,
      c.updateEntropyTarget,
      { id: job.id, entropyTarget: { constant: 0.5, estimator: 'ENTROPY_ESTIMATOR_FULL_VOCAB' as never } },
      md,
    );
    await call(c, c.cancelJob, { id: job.id }, md);
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
    const finished = await collect(c.streamStepRecords({ jobId: job.id, afterStep: 3 }, md));
    expect(finished.map((s) => s.record!.step)).toEqual([4, 5]);
  });

  it('pauses via release, resumes from the latest checkpoint with the next attempt, and picks the best in-band checkpoint', async () => {
    await drainQueue();
    const job = await createJob();
    const first = (await lease('p1')).lease!;
    const report = (s: number, inBand: boolean, validationAccuracy: number) =>
      call(
        ex,
        ex.reportCheckpoint,
        {
          jobId: job.id,
          attempt: first.attempt,
          step: s,
          uri: `s3://ckpt/${s}`,
          entropy: 0.3,
          inBand,
          rewardMean: 0.4,
          validationAccuracy,
          sizeBytes: 10,
        },
        emd,
      );
    const c10 = await report(10, true, 0.8);
    const c20 = await report(20, false, 0.95);
    const again = await report(20, false, 0.1);
    expect(again.checkpoint!.id).toBe(c20.checkpoint!.id);
    expect(again.checkpoint!.validationAccuracy).toBe(0.95);
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.bestCheckpointId).toBe(c10.checkpoint!.id);
    const ckpts = await call(c, c.listCheckpoints, { jobId: job.id, pageSize: 0, pageToken: '' }, md);
    expect(ckpts.checkpoints.map((k) => k.step)).toEqual([10, 20]);

    const paused = (await call(c, c.pauseJob, { id: job.id }, md)).job!;
    expect(paused).toMatchObject({ state: JobState.JOB_STATE_RUNNING, pauseRequested: true });
    const hb = await call(
      ex,
      ex.heartbeat,
      { rewindReason: '', jobId: job.id, attempt: first.attempt, steps: [], evaluations: [] },
      emd,
    );
    expect(hb.pauseRequested).toBe(true);
    const released = await call(
      ex,
      ex.releaseLease,
      { jobId: job.id, attempt: first.attempt, reason: 'pause' },
      emd,
    );
    expect(released.job!.state).toBe(JobState.JOB_STATE_PAUSED);
    expect((await lease('p2')).lease).toBeUndefined();
    await call(c, c.resumeJob, { id: job.id }, md);
    const second = (await lease('p2')).lease!;
    expect(second.job!.id).toBe(job.id);
    expect(second.attempt).toBe(first.attempt + 1);
    expect(second.resumeFrom!.step).toBe(20);
    expect(second.resumeFrom!.uri).toBe('s3://ckpt/20');
    const staleCkpt = await failure(report(30, true, 0.5));
    expect(staleCkpt.code).toBe(status.ABORTED);
    // Plain release (graceful executor shutdown): straight back to the queue.
    const back = await call(
      ex,
      ex.releaseLease,
      { jobId: job.id, attempt: second.attempt, reason: 'SIGTERM' },
      emd,
    );
    expect(back.job!.state).toBe(JobState.JOB_STATE_QUEUED);
    const third = (await lease('p3')).lease!;
    expect(third.attempt).toBe(second.attempt + 1);
    await finish(third);
  });

  it('after a resume from checkpoint N, the lost attempt’s later records are replaced by the re-trained ones, in lists, job progress and live streams', async () => {
    await drainQueue();
    const job = await createJob();
    const first = (await lease('r1')).lease!;
    const hb = (attempt: number, steps: StepRecord[], evaluations: EvaluationRecord[] = []) =>
      call(ex, ex.heartbeat, { rewindReason: '', jobId: job.id, attempt, steps, evaluations }, emd);
    const old = (n: number) => step(n, { entropy: 0.9, rewardMean: 0.1 });
    const follow = c.streamStepRecords({ jobId: job.id, afterStep: 0 }, md);
    // The follower sees 1..6 of attempt 1, then 4..6 again from attempt 2.
    const seen = readUntil(
      follow,
      (items) => items.filter((i) => i.record!.attempt === first.attempt + 1).length >= 3,
    );
    await hb(first.attempt, [old(1), old(2), old(3)]);
    await call(
      ex,
      ex.reportCheckpoint,
      {
        jobId: job.id,
        attempt: first.attempt,
        step: 3,
        uri: 's3://r/3',
        entropy: 0.9,
        inBand: false,
        rewardMean: 0.1,
        sizeBytes: 1,
      },
      emd,
    );
    await hb(
      first.attempt,
      [old(4), old(5), old(6)],
      [EvaluationRecord.fromPartial({ step: 5, accuracy: 0.2 })],
    );
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.currentStep).toBe(6);
    await call(ex, ex.releaseLease, { jobId: job.id, attempt: first.attempt, reason: 'executor died' }, emd);

    const second = (await lease('r2')).lease!;
    expect(second.resumeFrom!.step).toBe(3);
    // The executor is told the API has steps up to 3 only, so it sends the re-trained 4..6.
    expect(second.lastRecordedStep).toBe(3);
    const resumed = (await call(c, c.getJob, { id: job.id }, md)).job!;
    expect(resumed.currentStep).toBe(3);
    expect(resumed.latestStep!.step).toBe(3);
    const list = async () =>
      (await call(c, c.listStepRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).records;
    expect((await list()).map((r) => r.step)).toEqual([1, 2, 3]);
    expect(
      (await call(c, c.listEvaluationRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).records,
    ).toEqual([]);
    const events = (await call(c, c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).events;
    const superseded = events.find((e) => e.type === 'JOB_EVENT_TYPE_RECORDS_SUPERSEDED');
    expect(superseded).toMatchObject({ attempt: second.attempt });
    expect(superseded!.message).toContain('steps 4..6');

    const fresh = (n: number) => step(n, { entropy: 0.35, rewardMean: 0.6 });
    await hb(second.attempt, [fresh(4), fresh(5), fresh(6)]);
    const records = await list();
    expect(records.map((r) => [r.step, r.attempt, r.rewardMean])).toEqual([
      [1, first.attempt, 0.1],
      [2, first.attempt, 0.1],
      [3, first.attempt, 0.1],
      [4, second.attempt, 0.6],
      [5, second.attempt, 0.6],
      [6, second.attempt, 0.6],
    ]);
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.latestStep).toMatchObject({
      step: 6,
      attempt: second.attempt,
    });
    const streamed = (await seen).map((i) => [i.record!.step, i.record!.attempt]);
    expect(streamed).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((n) => [n, first.attempt]),
      ...[4, 5, 6].map((n) => [n, second.attempt]),
    ]);
    // A stream opened now replays the history as it stands.
    await finish(second);
    const replay = await collect(c.streamStepRecords({ jobId: job.id, afterStep: 0 }, md));
    expect(replay.map((i) => [i.record!.step, i.record!.attempt])).toEqual(
      records.map((r) => [r.step, r.attempt]),
    );
  });

  it('an engine restart within an attempt is a job event, and the records after its checkpoint are replaced', async () => {
    await drainQueue();
    const job = await createJob();
    const l = (await lease('engine')).lease!;
    const hb = (req: Partial<executorV1.HeartbeatRequest>) =>
      call(
        ex,
        ex.heartbeat,
        executorV1.HeartbeatRequest.fromPartial({ jobId: job.id, attempt: l.attempt, ...req }),
        emd,
      );
    await hb({ steps: [1, 2, 3, 4].map((n) => step(n, { rewardMean: 0.1 })) });
    const res = await hb({
      rewoundToStep: 2,
      rewindReason: 'engine exited with signal SIGKILL',
      steps: [step(3, { rewardMean: 0.7 })],
    });
    expect(res.storedSteps).toBe(1);
    const records = (await call(c, c.listStepRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md))
      .records;
    expect(records.map((r) => [r.step, r.rewardMean])).toEqual([
      [1, 0.1],
      [2, 0.1],
      [3, 0.7],
    ]);
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.currentStep).toBe(3);
    const events = (await call(c, c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).events;
    const restart = events.find((e) => e.type === 'JOB_EVENT_TYPE_ENGINE_RESTARTED');
    expect(restart!.message).toContain('SIGKILL');
    expect(restart!.message).toContain('step 2');
    expect(events.find((e) => e.type === 'JOB_EVENT_TYPE_RECORDS_SUPERSEDED')!.message).toContain(
      'steps 3..4',
    );
    const bad = await failure(hb({ rewoundToStep: -1 }));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rewound_to_step'] });
    await finish(l);
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
    const [r] = (await call(c, c.listStepRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).records;
    expect(r!.loss).toBeNaN();
    expect(r!.gradNorm).toBe(Number.POSITIVE_INFINITY);
    expect(r!.kl).toBe(Number.NEGATIVE_INFINITY);
    expect([r!.approxKl, r!.dualClipFraction]).toEqual([0.0123, 0.004]);
    expect(r!.rewardMean).toBe(0.5);
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.latestStep!.loss).toBeNaN();
    const [e] = (await call(c, c.listEvaluationRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md))
      .records;
    expect(e!.entropy).toBeNaN();
    await finish(l);
  });

  it('lists only the checkpoints keep_last pruning keeps: the latest keep_last and the best in band', async () => {
    await drainQueue();
    const job = await createJob({ checkpoint: { everyNSteps: 1, keepLast: 2 } });
    const l = (await lease('prune')).lease!;
    for (const [s, inBand, acc] of [
      [1, false, 0.1],
      [2, true, 0.9],
      [3, false, 0.2],
      [4, true, 0.5],
      [5, false, 0.3],
    ] as [number, boolean, number][]) {
      await call(
        ex,
        ex.reportCheckpoint,
        {
          jobId: job.id,
          attempt: l.attempt,
          step: s,
          uri: `s3://p/${s}`,
          entropy: 0.3,
          inBand,
          rewardMean: 0.4,
          validationAccuracy: acc,
          sizeBytes: 1,
        },
        emd,
      );
    }
    const listed = await call(c, c.listCheckpoints, { jobId: job.id, pageSize: 0, pageToken: '' }, md);
    expect(listed.checkpoints.map((k) => k.step)).toEqual([2, 4, 5]);
    const best = (await call(c, c.getJob, { id: job.id }, md)).job!.bestCheckpointId;
    expect(listed.checkpoints.find((k) => k.id === best)!.step).toBe(2);
    await finish(l);
  });

  it('re-queues an expired lease, refuses the stale executor, and fails after the maximum', async () => {
    await drainQueue();
    const job = await createJob();
    const stale = (await lease('dies')).lease!;
    await call(
      ex,
      ex.heartbeat,
      { rewindReason: '', jobId: job.id, attempt: stale.attempt, steps: [step(1)], evaluations: [] },
      emd,
    );
    // TTL 2 s, reaper every 100 ms: the job is back in the queue shortly after the lease ends.
    const next = (await lease('heir', 30)).lease!; // returns as soon as the reaper re-queues it
    expect(next.job!.id).toBe(job.id);
    expect(next.attempt).toBe(stale.attempt + 1);
    // No checkpoint: the heir starts from scratch, and the lost attempt's step 1 is not history.
    expect(next.lastRecordedStep).toBe(0);
    expect(next.job!.currentStep).toBe(0);
    expect(next.job!.leaseExpirations).toBe(1);
    // Thunks: each stale write starts only when awaited, so no rejection is left unhandled meanwhile.
    for (const write of [
      () =>
        call(
          ex,
          ex.heartbeat,
          { rewindReason: '', jobId: job.id, attempt: stale.attempt, steps: [step(2)], evaluations: [] },
          emd,
        ),
      () =>
        call(
          ex,
          ex.completeJob,
          {
            jobId: job.id,
            attempt: stale.attempt,
            outcome: Outcome.OUTCOME_SUCCEEDED,
            steps: [],
            evaluations: [],
          },
          emd,
        ),
      () => call(ex, ex.releaseLease, { jobId: job.id, attempt: stale.attempt, reason: '' }, emd),
    ]) {
      expect((await failure(write())).code).toBe(status.ABORTED);
    }
    expect(
      (await call(c, c.listStepRecords, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).records.map(
        (r) => r.step,
      ),
    ).toEqual([]);
    const metrics = await request(t.api.httpUrl).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/aepo_api_lease_expirations_total [1-9]/);
    expect(metrics.text).toContain('aepo_api_active_leases 1');
    // Second expiry hits the maximum (2): FAILED with an error, no further lease. Waits for the
    // reaper to get there (on a busy machine it may take longer than the lease's TTL).
    let failed = (await call(c, c.getJob, { id: job.id }, md)).job!;
    for (
      const until = Date.now() + 60_000;
      failed.state !== JobState.JOB_STATE_FAILED && Date.now() < until;
    ) {
      await new Promise((r) => setTimeout(r, 100));
      failed = (await call(c, c.getJob, { id: job.id }, md)).job!;
    }
    expect(failed.state).toBe(JobState.JOB_STATE_FAILED);
    expect(failed.error!.message).toMatch(/lease expired 2 times/);
    expect((await lease('late')).lease).toBeUndefined();
    const events = await call(c, c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }, md);
    expect(events.events.filter((e) => e.type === 'JOB_EVENT_TYPE_LEASE_EXPIRED')).toHaveLength(2);
  });

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
    expect((await failure(call(c, c.cancelJob, { id: job.id }, md))).code).toBe(status.FAILED_PRECONDITION);
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
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.exportedModelUri).toBe(uri);
  });

  it('drains at shutdown: a waiting lease answers empty and a live stream ends UNAVAILABLE', async () => {
    await drainQueue();
    const job = await createJob();
    await lease('shutdown');
    const stream = collect(c.streamJobEvents({ jobId: job.id, afterSequence: 0 }, md)).catch(
      (e: { code: number; items: unknown[] }) => e,
    );
    const waiting = lease('waiter', 30);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await t.api.close();
    // Not held by the 30 s lease wait (the margin is for a busy machine).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await waiting).lease).toBeUndefined();
    const ended = (await stream) as { code: number; items: unknown[] };
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(ended.items.length).toBeGreaterThanOrEqual(3);
  });
});
