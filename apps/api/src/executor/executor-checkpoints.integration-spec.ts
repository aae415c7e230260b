import { Metadata, status } from '@grpc/grpc-js';
import {
  EvaluationRecord,
  JobState,
  StepRecord,
  executorV1,
  type FineTuningServiceClient,
} from '@aepo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, failure, readUntil } from '../testing/grpc-helpers.js';
import { call, type TestApi } from '../testing/test-api.js';
import { emd, startExecutorFixture, step, type ExecutorFixture } from './executor-spec.fixture.js';

// The executor protocol (one file per topic), checkpoints: pause and resume from them, rewinds that
// supersede records, keep_last pruning.

let t: TestApi;
let c: FineTuningServiceClient;
let ex: executorV1.ExecutorServiceClient;
let md: Metadata;
let createJob: ExecutorFixture['createJob'];
let lease: ExecutorFixture['lease'];
let finish: ExecutorFixture['finish'];
let drainQueue: ExecutorFixture['drainQueue'];

beforeAll(async () => {
  ({ t, c, ex, md, createJob, lease, finish, drainQueue } = await startExecutorFixture());
});

afterAll(async () => {
  await t?.close();
});

describe('executor protocol', () => {
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
    expect(again.checkpoint!.name).toBe(c20.checkpoint!.name);
    expect(again.checkpoint!.validationAccuracy).toBe(0.95);
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.bestCheckpoint).toBe(c10.checkpoint!.name);
    const ckpts = await call(c, c.listCheckpoints, { parent: job.name, pageSize: 0, pageToken: '' }, md);
    expect(ckpts.checkpoints.map((k) => k.step)).toEqual([10, 20]);

    const paused = (await call(c, c.pauseJob, { name: job.name }, md)).job!;
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
    await call(c, c.resumeJob, { name: job.name }, md);
    const second = (await lease('p2')).lease!;
    expect(second.job!.name).toBe(job.name);
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
    const follow = c.streamStepRecords({ parent: job.name, afterStep: 0 }, md);
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
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.currentStep).toBe(6);
    await call(ex, ex.releaseLease, { jobId: job.id, attempt: first.attempt, reason: 'executor died' }, emd);

    const second = (await lease('r2')).lease!;
    expect(second.resumeFrom!.step).toBe(3);
    // The executor is told the API has steps up to 3 only, so it sends the re-trained 4..6.
    expect(second.lastRecordedStep).toBe(3);
    const resumed = (await call(c, c.getJob, { name: job.name }, md)).job!;
    expect(resumed.currentStep).toBe(3);
    expect(resumed.latestStep!.step).toBe(3);
    const list = async () =>
      (await call(c, c.listStepRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md)).records;
    expect((await list()).map((r) => r.step)).toEqual([1, 2, 3]);
    expect(
      (await call(c, c.listEvaluationRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md)).records,
    ).toEqual([]);
    const events = (await call(c, c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }, md))
      .events;
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
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.latestStep).toMatchObject({
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
    const replay = await collect(c.streamStepRecords({ parent: job.name, afterStep: 0 }, md));
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
    const records = (await call(c, c.listStepRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md))
      .records;
    expect(records.map((r) => [r.step, r.rewardMean])).toEqual([
      [1, 0.1],
      [2, 0.1],
      [3, 0.7],
    ]);
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.currentStep).toBe(3);
    const events = (await call(c, c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }, md))
      .events;
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
    const listed = await call(c, c.listCheckpoints, { parent: job.name, pageSize: 0, pageToken: '' }, md);
    expect(listed.checkpoints.map((k) => k.step)).toEqual([2, 4, 5]);
    const best = (await call(c, c.getJob, { name: job.name }, md)).job!.bestCheckpoint;
    expect(listed.checkpoints.find((k) => k.name === best)!.step).toBe(2);
    expect(best).toBe(`${job.name}/checkpoints/2`);
    await finish(l);
  });
});
