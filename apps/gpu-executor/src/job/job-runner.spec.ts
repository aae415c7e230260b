import { Algorithm, EntropyEstimator, type JobSpec, ScheduleKind, executorV1 } from '@aepo/contracts';
import { grade } from '@aepo/rewards';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../checkpoint/checkpoint.store.js';
import { registerExecutorMetrics } from '../metrics/executor-metrics.js';
import { MetricsReporter } from '../metrics/metrics.reporter.js';
import { FakeEngine } from '../testing/fake-engine.js';
import { FakeExecutorApi } from '../testing/fake-executor-api.js';
import { RUNNER_ROWS, runnerSpec } from '../testing/runner-fixtures.js';
import { type EngineHandle, JobRunner, type JobRunnerOptions } from './job-runner.js';

const rows = RUNNER_ROWS;

/** The runner's default here is an AEPO job (REINFORCE share 2). */
function spec(over: Partial<JobSpec> = {}): JobSpec {
  return runnerSpec({ algorithm: Algorithm.ALGORITHM_AEPO, aepo: { reinforceCount: 2 }, ...over });
}

let dir: string;
let metrics: MetricsReporter;
let registry: Registry;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-'));
  registry = new Registry();
  metrics = new MetricsReporter(registerExecutorMetrics(registry));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(opts: Partial<JobRunnerOptions> = {}) {
  const api = new FakeExecutorApi(rows);
  const client = new FakeEngine();
  const engine: EngineHandle & { generation: number } = {
    client,
    generation: 1,
    ensureHealthy: async () => {},
  };
  const runner = new JobRunner({
    api,
    engine,
    store: new CheckpointStore(join(dir, 'ckpt')),
    grader: { gradeBatch: async (items) => items.map((i) => grade(i.pred, i.gold, i.spec)) },
    metrics,
    log: pino({ level: process.env.DEBUG_RUNNER ? 'debug' : 'silent' }),
    stepRetries: 2,
    checkpointOnCancel: true,
    shutdownGraceMs: 1000,
    apiRetry: { initialMs: 1, maxMs: 2 },
    ...opts,
  });
  return { api, client, engine, runner };
}

const noStop = () => new AbortController().signal;
const stepNumbers = (api: FakeExecutorApi) => [...api.steps.keys()].sort((a, b) => a - b);
/** A record without its timings, for comparing runs. */
const numbers = (api: FakeExecutorApi) =>
  stepNumbers(api).map((s) => {
    const r = api.steps.get(s)!;
    return [r.step, r.entropy, r.rewardMean, r.temperature, r.reinforceCount, r.loss, r.entropyTarget];
  });

describe('JobRunner', () => {
  it('runs every step, heartbeats each, reports checkpoints after their step is stored, ends SUCCEEDED', async () => {
    const { api, runner } = setup();
    const outcome = await runner.run(api.lease(spec()), noStop());
    expect(outcome).toBe('succeeded');
    expect(stepNumbers(api)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(api.log).toEqual([
      'heartbeat:[1]',
      'heartbeat:[2]',
      'checkpoint:2',
      'heartbeat:[3]',
      'heartbeat:[4]',
      'checkpoint:4',
      'heartbeat:[5]',
      'heartbeat:[6]',
      'checkpoint:6',
      `complete:${executorV1.Outcome.OUTCOME_SUCCEEDED}`,
    ]);
    expect(api.steps.get(2)!.checkpointSeconds).toBeGreaterThan(0);
    expect(api.steps.get(3)!.checkpointSeconds).toBe(0);
    expect(api.checkpoints[0]!.uri).toMatch(/^file:\/\/.*\/job-1\/step-2$/);
    expect(api.checkpoints[0]!.sizeBytes).toBeGreaterThan(0);
  });

  it('resumes from a checkpoint exactly: the same records as an uninterrupted run, no step skipped or repeated', async () => {
    const ref = setup();
    await ref.runner.run(ref.api.lease(spec()), noStop());

    // First attempt paused after step 3 (checkpoint at 3), second attempt resumes from it.
    const a = setup();
    a.api.onHeartbeat = (req) => {
      if (req.steps.some((s) => s.step === 3)) a.api.pause = true;
    };
    expect(await a.runner.run(a.api.lease(spec()), noStop())).toBe('paused');
    expect(a.api.log.slice(-3)).toEqual(['heartbeat:[3]', 'checkpoint:3', 'release']);
    expect(a.client.calls.filter((c) => c === 'sample')).toHaveLength(3);

    a.api.pause = false;
    const b = setup();
    b.api.steps = a.api.steps;
    b.api.checkpoints = a.api.checkpoints;
    const lease = b.api.lease(spec(), { attempt: 2, resumeFrom: a.api.checkpointOf(3), lastRecordedStep: 3 });
    expect(await b.runner.run(lease, noStop())).toBe('succeeded');
    expect(b.client.calls.slice(0, 2)).toEqual(['load:builtin:tiny-arith', 'restore']);
    expect(b.client.calls.filter((c) => c === 'sample')).toHaveLength(3);
    expect(stepNumbers(b.api)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(numbers(b.api)).toEqual(numbers(ref.api));
    expect(b.api.steps.get(4)!.attempt).toBe(2);
  });

  it('cancel from a heartbeat answer stops before the next step, checkpoints and completes CANCELLED', async () => {
    const { api, client, runner } = setup();
    api.onHeartbeat = (req) => {
      if (req.steps.some((s) => s.step === 3)) api.cancel = true;
    };
    expect(await runner.run(api.lease(spec()), noStop())).toBe('cancelled');
    expect(client.calls.filter((c) => c === 'sample')).toHaveLength(3);
    expect(api.log.slice(-2)).toEqual(['checkpoint:3', `complete:${executorV1.Outcome.OUTCOME_CANCELLED}`]);
  });

  it('applies a new entropy target from the heartbeat answer from the next step on', async () => {
    const { api, runner } = setup();
    api.onHeartbeat = (req) => {
      if (req.steps.some((s) => s.step === 2)) {
        api.target = {
          schedule: {
            kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
            startValue: 0.2,
            endValue: 0.3,
            startStep: 3,
            endStep: 5,
            points: [],
          },
          tolerance: 0.01,
          estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
        };
        api.targetRevision = 1;
      }
    };
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    const t = (s: number) => api.steps.get(s)!;
    expect(t(2).entropyTarget).toBeCloseTo(0.4);
    expect(t(2).entropyTargetUpper).toBeCloseTo(0.45);
    expect(t(3).entropyTarget).toBeCloseTo(0.2);
    expect(t(4).entropyTarget).toBeCloseTo(0.25);
    expect(t(4).entropyTargetUpper).toBeCloseTo(0.26);
  });

  it('retries a failed engine step and keeps the history gap-free', async () => {
    const { api, client, runner } = setup();
    client.sampleFailures = [Object.assign(new Error('CUDA hiccup'), { code: status.INTERNAL })];
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    expect(stepNumbers(api)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(client.calls.filter((c) => c === 'sample')).toHaveLength(7);
  });

  it('fails the job with the engine error after the retries are spent', async () => {
    const { api, client, runner } = setup();
    client.sampleFailures = Array.from({ length: 3 }, () => new Error('device lost'));
    expect(await runner.run(api.lease(spec()), noStop())).toBe('failed');
    expect(api.outcome!.outcome).toBe(executorV1.Outcome.OUTCOME_FAILED);
    expect(api.outcome!.error!.message).toMatch(/step 1 failed 3 times.*device lost/);
  });

  it('after an engine restart, reloads the last checkpoint and replays from it without duplicates', async () => {
    const { api, client, engine, runner } = setup();
    let killed = false;
    client.onSample = async () => {
      if (!killed && client.calls.filter((c) => c === 'sample').length === 4) {
        killed = true;
        engine.generation++;
        client.w = -1; // its memory is gone
        throw Object.assign(new Error('socket closed'), { code: status.UNAVAILABLE });
      }
    };
    const ref = setup();
    await ref.runner.run(ref.api.lease(spec()), noStop());
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    expect(client.calls.filter((c) => c === 'restore')).toHaveLength(1);
    expect(stepNumbers(api)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(numbers(api)).toEqual(numbers(ref.api));
    // The API is told (a job event there), and step 3, trained on the lost weights, is sent again.
    const rewind = api.log.findIndex((l) => l.startsWith('rewind:2:engine restarted after: socket closed'));
    expect(rewind).toBeGreaterThan(api.log.indexOf('heartbeat:[3]'));
    expect(api.log[rewind + 1]).toBe('heartbeat:[3]');
  });

  it('fails the job when the engine keeps dying at the same step', async () => {
    const { api, client, engine, runner } = setup();
    client.onSample = async () => {
      if (client.calls.filter((c) => c === 'sample').length >= 4) {
        engine.generation++;
        throw Object.assign(new Error('segfault'), { code: status.UNAVAILABLE });
      }
    };
    expect(await runner.run(api.lease(spec()), noStop())).toBe('failed');
    expect(api.outcome!.error!.message).toMatch(/engine died 3 times without getting past step 3.*segfault/);
    // Step 3 was trained on weights lost with the first dead engine: the history ends at checkpoint 2.
    expect(stepNumbers(api)).toEqual([1, 2]);
  });

  it('keeps records while the API is unreachable and delivers them once it answers', async () => {
    const { api, runner } = setup();
    api.heartbeatFailures = 3;
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    expect(api.log.slice(0, 4)).toEqual([
      'heartbeat:unavailable',
      'heartbeat:unavailable',
      'heartbeat:unavailable',
      'heartbeat:[1]',
    ]);
    expect(stepNumbers(api)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stops without further writes when the API answers ABORTED (lease lost)', async () => {
    const { api, runner } = setup();
    api.abortAfterHeartbeats = 2;
    expect(await runner.run(api.lease(spec()), noStop())).toBe('lost');
    expect(api.log.at(-1)).toBe('heartbeat:aborted');
    expect(api.outcome).toBeNull();
    expect(api.released).toBeNull();
  });

  it('fails the job clearly when gold answers cannot be graded', async () => {
    const { api, runner } = setup();
    api.rows = [...rows.slice(0, 3), { prompt: '1+1=', answer: '\\frac{' }];
    expect(await runner.run(api.lease(spec()), noStop())).toBe('failed');
    expect(api.outcome!.error!.message).toMatch(
      /1 of 4 training rows have a gold answer the grader cannot parse \(rows 4\)/,
    );
  });

  it('fails the job when the engine rejects the model', async () => {
    const { api, client, runner } = setup();
    client.loadError = Object.assign(new Error('unknown model hf:nope/nope'), { code: status.NOT_FOUND });
    expect(await runner.run(api.lease(spec({ baseModel: 'hf:nope/nope' })), noStop())).toBe('failed');
    expect(api.outcome!.error!.code).toBe(status.FAILED_PRECONDITION);
    expect(api.outcome!.error!.message).toMatch(/cannot load model hf:nope\/nope: unknown model/);
  });

  it('on stop, finishes the step, checkpoints it, and releases the lease', async () => {
    const { api, client, runner } = setup();
    const stop = new AbortController();
    client.onSample = async () => {
      if (client.calls.filter((c) => c === 'sample').length === 3) stop.abort();
    };
    expect(await runner.run(api.lease(spec()), stop.signal)).toBe('released');
    expect(api.log.slice(-3)).toEqual(['heartbeat:[3]', 'checkpoint:3', 'release']);
    expect(api.released).toMatch(/shutting down/);
  });

  it('on stop, abandons a step that outlasts the grace period and releases without a checkpoint', async () => {
    const { api, client, runner } = setup({ shutdownGraceMs: 50 });
    const stop = new AbortController();
    client.onSample = async () => {
      if (client.calls.filter((c) => c === 'sample').length === 2) {
        stop.abort();
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    expect(await runner.run(api.lease(spec()), stop.signal)).toBe('released');
    expect(api.log).toEqual(['heartbeat:[1]', 'release']);
  });

  it('exports the step series while it runs and removes the job series after', async () => {
    const { api, runner } = setup();
    let during = '';
    const orig = api.heartbeat.bind(api);
    api.heartbeat = async (req) => {
      const r = await orig(req);
      if (req.steps.some((s) => s.step === 3)) during = await registry.metrics();
      return r;
    };
    await runner.run(api.lease(spec()), noStop());
    expect(during).toMatch(/aepo_executor_job_info\{job_id="job-1",model="builtin:tiny-arith"/);
    expect(during).toMatch(/aepo_executor_entropy_target 0\.4/);
    expect(during).toMatch(/aepo_executor_steps_total 3/);
    const after = await registry.metrics();
    expect(after).not.toMatch(/aepo_executor_job_info\{/);
    expect(after).not.toMatch(/^aepo_executor_entropy_target /m);
    expect(after).not.toMatch(/^aepo_executor_policy_entropy /m);
    expect(after).toMatch(/aepo_executor_steps_total 6/);
  });
});
