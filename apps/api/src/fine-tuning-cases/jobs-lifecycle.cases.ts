import { status } from '@grpc/grpc-js';
import {
  JobEventType,
  JobState,
  UpdateJobRequest,
  type DeepPartial,
  type EntropyTarget,
} from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { collect, failure, readUntil } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, md, create } from './fixture.js';

/** UpdateJob of the whole entropy target (unset tolerance and estimator take their defaults). */
const replaceTarget = (name: string, target: DeepPartial<EntropyTarget> | undefined) =>
  call(
    c,
    c.updateJob,
    UpdateJobRequest.fromPartial({
      job: { name, spec: { entropyTarget: target } },
      updateMask: ['spec.entropy_target'],
    }),
    md,
  );

// A job's life: listing, the state machine, target updates, the event stream. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
describe('jobs: lifecycle', () => {
  it('lists with paging and filters by state and label', async () => {
    const tagged = [];
    for (let i = 0; i < 5; i++) tagged.push(await create({ labels: { suite: 'paging', idx: String(i) } }));
    await call(c, c.pauseJob, { name: tagged[1]!.name }, md);
    const ids: string[] = [];
    let token = '';
    do {
      const page = await call(
        c,
        c.listJobs,
        { parent: '', pageSize: 2, pageToken: token, states: [], labels: { suite: 'paging' } },
        md,
      );
      ids.push(...page.jobs.map((j) => j.name));
      token = page.nextPageToken;
    } while (token);
    expect(ids).toEqual(tagged.map((j) => j.name).reverse());
    const paused = await call(
      c,
      c.listJobs,
      {
        parent: '',
        pageSize: 10,
        pageToken: '',
        states: [JobState.JOB_STATE_PAUSED],
        labels: { suite: 'paging' },
      },
      md,
    );
    expect(paused.jobs.map((j) => j.name)).toEqual([tagged[1]!.name]);
    const one = await call(
      c,
      c.listJobs,
      { parent: '', pageSize: 10, pageToken: '', states: [], labels: { suite: 'paging', idx: '3' } },
      md,
    );
    expect(one.jobs.map((j) => j.name)).toEqual([tagged[3]!.name]);
    const first = await call(
      c,
      c.listJobs,
      { parent: '', pageSize: 2, pageToken: '', states: [], labels: { suite: 'paging' } },
      md,
    );
    const reused = await failure(
      call(
        c,
        c.listJobs,
        {
          parent: '',
          pageSize: 2,
          pageToken: first.nextPageToken,
          states: [JobState.JOB_STATE_QUEUED],
          labels: {},
        },
        md,
      ),
    );
    expect(reused.fields).toEqual(['page_token']);
  });

  it('enforces the state machine with FAILED_PRECONDITION and records each change as an event', async () => {
    const job = await create();
    expect((await failure(call(c, c.resumeJob, { name: job.name }, md))).code).toBe(
      status.FAILED_PRECONDITION,
    );
    expect((await call(c, c.pauseJob, { name: job.name }, md)).job!.state).toBe(JobState.JOB_STATE_PAUSED);
    expect((await failure(call(c, c.pauseJob, { name: job.name }, md))).code).toBe(
      status.FAILED_PRECONDITION,
    );
    expect((await call(c, c.resumeJob, { name: job.name }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
    const cancelled = (await call(c, c.cancelJob, { name: job.name }, md)).job!;
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(cancelled.endTime).toBeInstanceOf(Date);
    for (const m of [c.cancelJob, c.pauseJob, c.resumeJob]) {
      expect((await failure(call(c, m as typeof c.cancelJob, { name: job.name }, md))).code).toBe(
        status.FAILED_PRECONDITION,
      );
    }
    const target = await failure(replaceTarget(job.name, { constant: 0.2 }));
    expect(target.code).toBe(status.FAILED_PRECONDITION);
    const events = await call(c, c.listJobEvents, { parent: job.name, pageSize: 100, pageToken: '' }, md);
    expect(events.events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(events.events.map((e) => [e.type, e.fromState, e.toState])).toEqual([
      [JobEventType.JOB_EVENT_TYPE_CREATED, JobState.JOB_STATE_UNSPECIFIED, JobState.JOB_STATE_QUEUED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_PAUSED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_PAUSED, JobState.JOB_STATE_QUEUED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_CANCELLED],
    ]);
  });

  it('updates the entropy target of a live job as an event with a new revision', async () => {
    const job = await create();
    const bad = await failure(replaceTarget(job.name, undefined));
    expect(bad.fields).toEqual(['job.spec.entropy_target']);
    const updated = (
      await replaceTarget(job.name, {
        constant: 0.45,
        tolerance: 0.01,
        estimator: 'ENTROPY_ESTIMATOR_SAMPLED_TOKEN' as never,
      })
    ).job!;
    expect(updated.entropyTargetRevision).toBe(1);
    expect(updated.spec!.entropyTarget).toMatchObject({ constant: 0.45, tolerance: 0.01 });
    const events = await call(c, c.listJobEvents, { parent: job.name, pageSize: 100, pageToken: '' }, md);
    expect(events.events.at(-1)).toMatchObject({
      type: JobEventType.JOB_EVENT_TYPE_TARGET_UPDATED,
      entropyTargetRevision: 1,
    });
  });

  it('streams events: replays after the cursor, follows live, and ends when the job ends', async () => {
    const job = await create();
    await call(c, c.pauseJob, { name: job.name }, md);
    const stream = c.streamJobEvents({ parent: job.name, afterSequence: 1 }, md);
    const done = collect(stream);
    await new Promise((r) => setTimeout(r, 150));
    await call(c, c.cancelJob, { name: job.name }, md);
    const items = await done;
    expect(items.map((i) => i.event!.sequence)).toEqual([2, 3]);
    expect(items.map((i) => i.event!.job)).toEqual([job.name, job.name]);
    expect(items[1]!.event!.toState).toBe(JobState.JOB_STATE_CANCELLED);
    const live = c.streamJobEvents({ parent: job.name, afterSequence: 0 }, md);
    expect((await collect(live)).map((i) => i.event!.sequence)).toEqual([1, 2, 3]);
    const running = await create();
    const follow = c.streamJobEvents({ parent: running.name, afterSequence: 0 }, md);
    const firstTwo = readUntil(follow, (items) => items.length >= 2);
    await call(c, c.pauseJob, { name: running.name }, md);
    expect((await firstTwo).map((i) => i.event!.type)).toEqual([
      JobEventType.JOB_EVENT_TYPE_CREATED,
      JobEventType.JOB_EVENT_TYPE_STATE_CHANGED,
    ]);
  });
});
