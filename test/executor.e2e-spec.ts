/**
 * The executor end to end with real processes: the API (node, embedded Postgres) and executors (node),
 * each supervising a real Python engine with builtin:tiny-arith on CPU. Jobs are created over the
 * public gRPC API; faults are real kills (SIGKILL of an executor or its engine, SIGTERM, an API
 * restart). Every job must end with a gap-free, duplicate-free step history.
 */
import { type JobEvent, JobEventType, JobState, jobIdOf, type StepRecord } from '@aepo/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  type ExecutorProcess,
  PublicClient,
  buildApps,
  freePort,
  startApi,
  startExecutor,
  tinyArithRows,
  tinyJobSpec,
  waitFor,
} from './support/executor-processes.js';

// Long enough for a lease to outlive an API restart (about 7 s here), short for the SIGKILL test.
const TTL_SECONDS = 12;
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-executor-e2e-'));
const checkpointDir = path.join(dir, 'checkpoints');
let ports: { pg: number; grpc: number; http: number };
let api: ApiProcess;
let client: PublicClient;
let dataset: string;
const executors: ExecutorProcess[] = [];
let executorCount = 0;

async function newExecutor(): Promise<ExecutorProcess> {
  const ex = await startExecutor({
    name: `ex${++executorCount}`,
    apiAddress: api.grpcAddress,
    checkpointDir,
    httpPort: await freePort(),
  });
  executors.push(ex);
  return ex;
}

/** Kills the executor and its engine (its own process group), as a pod's death would. */
function killPod(ex: ExecutorProcess): void {
  const engine = ex.enginePid();
  ex.proc.kill('SIGKILL');
  if (engine !== undefined) killGroup(engine);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function createJob(o: Parameters<typeof tinyJobSpec>[1]) {
  return client.createJob({ spec: tinyJobSpec(dataset, o), displayName: 'e2e', requestId: '', parent: '' });
}

async function waitForStep(job: string, step: number) {
  return waitFor(
    `job ${job} at step ${step}`,
    async () => {
      const j = await client.getJob(job);
      return j.currentStep >= step ? j : undefined;
    },
    240_000,
    100,
  );
}

/** Steps 1..n, each exactly once. */
async function expectGapFree(job: string, n: number): Promise<StepRecord[]> {
  const steps = await client.steps(job);
  expect(steps.map((s) => s.step)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  return steps;
}

/**
 * Records made before the engine restart `at` may only be of steps up to the last checkpoint saved
 * before it: later ones were trained on weights the dead engine took along, and must be re-trained.
 */
function expectRetrainedAfterRestart(steps: StepRecord[], events: JobEvent[], at: JobEvent): void {
  const t = at.createTime!.getTime();
  const resumeStep = Math.max(
    0,
    ...events
      .filter((e) => e.type === JobEventType.JOB_EVENT_TYPE_CHECKPOINT_SAVED && e.createTime!.getTime() <= t)
      .map((e) => Number(/checkpoint at step (\d+)/.exec(e.message)![1])),
  );
  const stale = steps.filter((s) => s.step > resumeStep && s.createTime!.getTime() < t);
  expect(stale.map((s) => s.step)).toEqual([]);
}

const terminal = [JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED];

beforeAll(async () => {
  await buildApps();
  ports = { pg: await freePort(), grpc: await freePort(), http: await freePort() };
  api = await startApi({
    dataDir: dir,
    pgPort: ports.pg,
    grpcPort: ports.grpc,
    httpPort: ports.http,
    bootstrap: true,
    leaseTtlSeconds: TTL_SECONDS,
  });
  client = new PublicClient(api.grpcAddress, api.apiKey!);
  dataset = await client.uploadDataset('tiny-arith', tinyArithRows(400, 5));
  await newExecutor();
});

afterAll(async () => {
  client?.close();
  for (const ex of executors) {
    const engine = ex.enginePid();
    await ex.proc.stop(5_000);
    if (engine !== undefined) killGroup(engine);
  }
  await api?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('executor with real processes', () => {
  it('runs an AEPO job to SUCCEEDED: steps listed and streamed live, checkpoints listed, /metrics had entropy and target', async () => {
    const ex = executors[0]!;
    const job = await createJob({ maxSteps: 12, checkpointEvery: 5, target: 0.3 });
    const streamed: { step: number; at: number }[] = [];
    const stream = client.streamSteps(job.name, (r, at) => streamed.push({ step: r.step, at }));
    const scraped = { entropy: false, target: false, info: false };
    let done = false;
    const scraping = (async () => {
      while (!done) {
        const text = await (await fetch(ex.metricsUrl)).text();
        if (
          /^aepo_executor_policy_entropy [0-9.e-]+$/m.test(text) &&
          !/^aepo_executor_policy_entropy 0$/m.test(text)
        )
          scraped.entropy = true;
        if (/^aepo_executor_entropy_target 0\.3$/m.test(text)) scraped.target = true;
        if (text.includes(`aepo_executor_job_info{job_id="${jobIdOf(job.name)}"`)) scraped.info = true;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const end = await client.waitForState(job.name, terminal);
    done = true;
    await scraping;
    await stream;
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    const steps = await expectGapFree(job.name, 12);
    expect(steps.every((s) => s.entropy > 0 && s.entropyTarget === 0.3 && s.attempt === 1)).toBe(true);
    expect(steps.some((s) => s.temperature > 0)).toBe(true);
    expect(streamed.map((s) => s.step)).toEqual(steps.map((s) => s.step));
    // Live: the first record reached the stream before the API stored the last one.
    expect(streamed[0]!.at).toBeLessThan(steps.at(-1)!.createTime!.getTime());
    const ckpts = await client.checkpoints(job.name);
    expect(ckpts.map((c) => c.step)).toEqual([5, 10, 12]);
    expect(ckpts.every((c) => c.uri.startsWith('file://') && c.sizeBytes > 0)).toBe(true);
    expect(scraped).toEqual({ entropy: true, target: true, info: true });
    const after = await (await fetch(ex.metricsUrl)).text();
    expect(after).not.toContain(`job_id="${jobIdOf(job.name)}"`);
  });

  it('cancel takes effect within one step', async () => {
    const job = await createJob({ maxSteps: 200, checkpointEvery: 500, promptsPerStep: 32 });
    await waitForStep(job.name, 2);
    const atCancel = (await client.control('cancel', job.name)).currentStep;
    const end = await client.waitForState(job.name, terminal, 60_000);
    expect(end.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(end.currentStep).toBeLessThanOrEqual(atCancel + 1);
    await expectGapFree(job.name, end.currentStep);
    // Checkpoint on cancel (the default).
    expect((await client.checkpoints(job.name)).map((c) => c.step)).toEqual([end.currentStep]);
  });

  it('pause takes effect within one step with a checkpoint; resume continues from it to SUCCEEDED', async () => {
    const job = await createJob({ maxSteps: 16, checkpointEvery: 50, promptsPerStep: 32 });
    await waitForStep(job.name, 2);
    const atPause = (await client.control('pause', job.name)).currentStep;
    const paused = await client.waitForState(job.name, [JobState.JOB_STATE_PAUSED], 60_000);
    expect(paused.currentStep).toBeLessThanOrEqual(atPause + 1);
    expect((await client.checkpoints(job.name)).map((c) => c.step)).toEqual([paused.currentStep]);
    await client.control('resume', job.name);
    const end = await client.waitForState(job.name, terminal);
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    const steps = await expectGapFree(job.name, 16);
    expect(steps[paused.currentStep]!.attempt).toBe(2);
  });

  it('SIGKILL of the engine: the executor restarts it and resumes from the last checkpoint', async () => {
    const ex = executors[0]!;
    const job = await createJob({ maxSteps: 40, checkpointEvery: 5 });
    await waitForStep(job.name, 3);
    const before = ex.enginePid()!;
    killGroup(before);
    const end = await client.waitForState(job.name, terminal);
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    const steps = await expectGapFree(job.name, 40);
    expect(ex.enginePid()).not.toBe(before);
    const events = await client.events(job.name);
    const restart = events.find((e) => e.type === JobEventType.JOB_EVENT_TYPE_ENGINE_RESTARTED);
    expect(restart, 'an ENGINE_RESTARTED event').toBeDefined();
    expectRetrainedAfterRestart(steps, events, restart!);
    const metrics = await (await fetch(ex.metricsUrl)).text();
    expect(metrics).toMatch(/^aepo_executor_engine_restarts_total [1-9]/m);
  });

  it('API restart mid-job: the executor keeps its training state and loses no step record', async () => {
    const ex = executors[0]!;
    const job = await createJob({ maxSteps: 40, checkpointEvery: 5 });
    await waitForStep(job.name, 3);
    await api.proc.stop();
    await new Promise((r) => setTimeout(r, 1500));
    api = await startApi({
      dataDir: dir,
      pgPort: ports.pg,
      grpcPort: ports.grpc,
      httpPort: ports.http,
      leaseTtlSeconds: TTL_SECONDS,
    });
    const end = await client.waitForState(job.name, terminal);
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    // One lease throughout: records made while the API was away were queued, then delivered.
    expect(end.attempt).toBe(1);
    const steps = await expectGapFree(job.name, 40);
    expect(steps.every((s) => s.attempt === 1)).toBe(true);
    expect(ex.proc.lines.some((l) => l.includes('API unreachable, retrying'))).toBe(true);
  });

  it('SIGTERM of the executor: checkpoint, lease released at once, another executor continues', async () => {
    const first = executors[0]!;
    const job = await createJob({ maxSteps: 40, checkpointEvery: 50 });
    await waitForStep(job.name, 3);
    first.proc.kill('SIGTERM');
    const exit = await first.proc.exited;
    expect(exit.code).toBe(0);
    const handedBack = await client.getJob(job.name);
    expect(handedBack.state).toBe(JobState.JOB_STATE_QUEUED);
    expect(handedBack.leaseExpirations).toBe(0);
    const ckpts = await client.checkpoints(job.name);
    expect(ckpts.at(-1)!.step).toBe(handedBack.currentStep);
    await newExecutor();
    const end = await client.waitForState(job.name, terminal);
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(end.leaseExpirations).toBe(0);
    await expectGapFree(job.name, 40);
    const events = await client.events(job.name);
    expect(events.some((e) => e.type === JobEventType.JOB_EVENT_TYPE_LEASE_RELEASED)).toBe(true);
  });

  it('SIGKILL of the executor: the lease expires, another executor resumes from the last checkpoint', async () => {
    const victim = executors.at(-1)!;
    const job = await createJob({ maxSteps: 40, checkpointEvery: 5 });
    await waitForStep(job.name, 3);
    killPod(victim);
    await newExecutor();
    const end = await client.waitForState(job.name, terminal);
    expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(end.leaseExpirations).toBeGreaterThanOrEqual(1);
    expect(end.attempt).toBe(2);
    const steps = await expectGapFree(job.name, 40);
    expect(steps.some((s) => s.attempt === 2)).toBe(true);
    // Attempt 1's records end at the checkpoint attempt 2 resumed from: its later ones were replaced.
    const firstAttempt = steps.filter((s) => s.attempt === 1).length;
    expect(firstAttempt % 5).toBe(0);
    expect(steps.slice(firstAttempt).every((s) => s.attempt === 2)).toBe(true);
  });

  it('SIGKILL of the executor alone: its engine (uv and python) exits within seconds', async () => {
    const ex = await newExecutor();
    const engine = await waitFor('the engine to be ready', () => ex.enginePid(), 240_000);
    expect(groupAlive(engine)).toBe(true);
    ex.proc.kill('SIGKILL');
    await ex.proc.exited;
    // The engine's process group holds uv and the python under it: all must be gone.
    await waitFor(`engine group ${engine} to exit`, () => !groupAlive(engine), 15_000);
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
