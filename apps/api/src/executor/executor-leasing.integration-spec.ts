import { Metadata, status } from '@grpc/grpc-js';
import { JobState, executorV1, type FineTuningServiceClient } from '@aepo/contracts';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, failure } from '../testing/grpc-helpers.js';
import { call, type TestApi } from '../testing/test-api.js';
import { emd, startExecutorFixture, step, type ExecutorFixture } from './executor-spec.fixture.js';

const { Outcome } = executorV1;

// The executor protocol (one file per topic), leases: the executor token, long-poll wake-ups, model
// filters, racing claims, expiry and shutdown.

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
    expect(got.lease!.job!.name).toBe(job.name);
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
    const leased = results.flatMap((r) => (r.lease ? [r.lease.job!.name] : []));
    expect(leased.sort()).toEqual(jobs.map((j) => j.name).sort());
    for (const r of results) if (r.lease) await finish(r.lease);
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
    expect(next.job!.name).toBe(job.name);
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
      (await call(c, c.listStepRecords, { parent: job.name, pageSize: 0, pageToken: '' }, md)).records.map(
        (r) => r.step,
      ),
    ).toEqual([]);
    const metrics = await request(t.api.httpUrl).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/aepo_api_lease_expirations_total [1-9]/);
    expect(metrics.text).toContain('aepo_api_active_leases 1');
    // Second expiry hits the maximum (2): FAILED with an error, no further lease. Waits for the
    // reaper to get there (on a busy machine it may take longer than the lease's TTL).
    let failed = (await call(c, c.getJob, { name: job.name }, md)).job!;
    for (
      const until = Date.now() + 60_000;
      failed.state !== JobState.JOB_STATE_FAILED && Date.now() < until;
    ) {
      await new Promise((r) => setTimeout(r, 100));
      failed = (await call(c, c.getJob, { name: job.name }, md)).job!;
    }
    expect(failed.state).toBe(JobState.JOB_STATE_FAILED);
    expect(failed.error!.message).toMatch(/lease expired 2 times/);
    expect((await lease('late')).lease).toBeUndefined();
    const events = await call(c, c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }, md);
    expect(events.events.filter((e) => e.type === 'JOB_EVENT_TYPE_LEASE_EXPIRED')).toHaveLength(2);
  });

  it('drains at shutdown: a waiting lease answers empty and a live stream ends UNAVAILABLE', async () => {
    await drainQueue();
    const job = await createJob();
    await lease('shutdown');
    const stream = collect(c.streamJobEvents({ parent: job.name, afterSequence: 0 }, md)).catch(
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
