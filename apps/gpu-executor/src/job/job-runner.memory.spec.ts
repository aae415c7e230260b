/**
 * The runner's side of issue [Real models]: JobSpec.model reaches the engine's Load, an out-of-memory
 * step is retried once with half the token budget (then fails naming the knob), a half-applied Train
 * rewinds to the last checkpoint, and non-finite updates are flagged and end the job after a run.
 */
import { Precision, executorV1 } from '@aepo/contracts';
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
import { FAKE_DEFAULT_TOKEN_BUDGET, FakeEngine } from '../testing/fake-engine.js';
import { FakeExecutorApi } from '../testing/fake-executor-api.js';
import { RUNNER_ROWS, runnerSpec } from '../testing/runner-fixtures.js';
import { JobRunner } from './job-runner.js';

const rows = RUNNER_ROWS;
const spec = runnerSpec;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-mem-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  const api = new FakeExecutorApi(rows);
  const client = new FakeEngine();
  const runner = new JobRunner({
    api,
    engine: { client, generation: 1, ensureHealthy: async () => {} },
    store: new CheckpointStore(join(dir, 'ckpt')),
    grader: { gradeBatch: async (items) => items.map((i) => grade(i.pred, i.gold, i.spec)) },
    metrics: new MetricsReporter(registerExecutorMetrics(new Registry())),
    log: pino({ level: 'silent' }),
    stepRetries: 2,
    checkpointOnCancel: true,
    shutdownGraceMs: 1000,
    apiRetry: { initialMs: 1, maxMs: 2 },
  });
  return { api, client, runner };
}

const noStop = () => new AbortController().signal;
const steps = (api: FakeExecutorApi) => [...api.steps.keys()].sort((a, b) => a - b);

describe('JobRunner with real-model settings', () => {
  it('passes JobSpec.model to Load and exports the merged adapter with the final checkpoint', async () => {
    const { api, client, runner } = setup();
    const s = spec({
      model: {
        precision: Precision.PRECISION_BF16_MIXED,
        maxTokensPerMicroBatch: 8192,
        chatTemplate: true,
        adapter: { rank: 8, targetModules: ['q_proj', 'v_proj'], exportMerged: true },
      },
    });
    expect(await runner.run(api.lease(s), noStop())).toBe('succeeded');
    expect(client.loads[0]!.options).toEqual({
      precision: 'bf16-mixed',
      maxTokensPerMicroBatch: 8192,
      chatTemplate: true,
      lora: { rank: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'v_proj'] },
      adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    });
    expect(client.calls.filter((c) => c.startsWith('save'))).toEqual(['save', 'save', 'save:merged']);
  });

  it('retries an out-of-memory step once with half the token budget, from the last checkpoint', async () => {
    const { api, client, runner } = setup();
    client.oomAboveTokens = FAKE_DEFAULT_TOKEN_BUDGET - 1;
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    expect(client.loads.map((l) => l.options?.maxTokensPerMicroBatch)).toEqual([
      0,
      FAKE_DEFAULT_TOKEN_BUDGET / 2,
    ]);
    expect(steps(api)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fails the job naming max_tokens_per_micro_batch when half the budget still does not fit', async () => {
    const { api, client, runner } = setup();
    client.oomAboveTokens = 100;
    expect(await runner.run(api.lease(spec()), noStop())).toBe('failed');
    expect(client.loads).toHaveLength(2); // never an endless retry
    const err = api.outcome!.error!;
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.message).toMatch(
      /max_tokens_per_micro_batch 2048 \(already halved once\).*lower spec\.model\.max_tokens_per_micro_batch/,
    );
  });

  it('rewinds to the last checkpoint when a Train left the weights half-updated (ABORTED)', async () => {
    const ref = setup();
    expect(await ref.runner.run(ref.api.lease(spec()), noStop())).toBe('succeeded');
    const { api, client, runner } = setup();
    let sampled = 0;
    client.onSample = async () => {
      // The 4th step's first call fails as a half-applied Train does.
      if (++sampled === 4)
        throw Object.assign(new Error('Train failed: 1 optimizer steps applied'), { code: status.ABORTED });
    };
    expect(await runner.run(api.lease(spec()), noStop())).toBe('succeeded');
    expect(client.calls.filter((c) => c === 'restore')).toHaveLength(1);
    expect(client.w).toBeCloseTo(ref.client.w, 12);
    expect(steps(api)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('flags steps whose updates were skipped as non-finite and fails after three in a row', async () => {
    const { api, client, runner } = setup();
    client.nonFiniteSteps = 1;
    expect(await runner.run(api.lease(spec()), noStop())).toBe('failed');
    expect(steps(api)).toEqual([1, 2, 3]);
    expect([1, 2, 3].map((s) => api.steps.get(s)!.nonFiniteUpdates)).toEqual([1, 1, 1]);
    expect(api.outcome!.outcome).toBe(executorV1.Outcome.OUTCOME_FAILED);
    expect(api.outcome!.error!.message).toMatch(/not finite in 3 steps in a row \(steps 1\.\.3\)/);
  });
});
