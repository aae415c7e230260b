/**
 * The MLflow integration tests' harness: a project on a test API, jobs driven through the executor
 * protocol with step records whose every number differs from step to step, and waits and checks on
 * the tracker's progress (its database row, its metrics, MLflow's metric history).
 */
import type { Metadata } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  EvaluationRecord,
  StepRecord,
  executorV1,
  jobIdOf,
  type FineTuningServiceClient,
  type Job,
  type MlflowTracking,
} from '@aepo/contracts';
import pg from 'pg';
import { expect } from 'vitest';
import type { MlflowConfig } from '../../apps/api/src/config/api-config.js';
import { stepMetrics } from '../../apps/api/src/mlflow/mlflow.mapping.js';
import { tinyRows, upload } from '../../apps/api/src/testing/grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, type TestApi } from '../../apps/api/src/testing/test-api.js';
import type { MlflowReader, MlflowRunView } from './mlflow-server.js';

const { Outcome } = executorV1;
const emd = bearer(EXECUTOR_TOKEN);

export const trackerConfig = (over: Partial<MlflowConfig> = {}): MlflowConfig => ({
  trackingUri: undefined,
  experimentName: 'aepo',
  token: undefined,
  syncIntervalMs: 100,
  retryMaxMs: 400,
  requestTimeoutMs: 20_000,
  concurrency: 4,
  ...over,
});

/** A step record whose every number differs from step to step (a wrong step mapping shows). */
const stepRecord = (n: number): StepRecord =>
  StepRecord.fromPartial({
    step: n,
    entropy: 0.3 + n / 1000,
    entropySampled: 0.31 + n / 1000,
    entropyTarget: 0.3,
    entropyTargetLower: 0.25,
    entropyTargetUpper: 0.35,
    temperature: n % 2 === 0 ? 1.2 : 0.8,
    reinforceCount: n % 7,
    rewardMean: n / 100,
    accuracy: (n % 10) / 10,
    sampleSeconds: 0.5 + n / 100,
    trainSeconds: 0.25 + n / 100,
    stepSeconds: 1 + n / 100,
    generatedTokens: 1000 + n,
    loss: n === 3 ? Number.NaN : -n / 10,
  });

const evaluation = (n: number): EvaluationRecord =>
  EvaluationRecord.fromPartial({ step: n, accuracy: n / 100, passAtK: n / 50, k: 2, promptCount: 7 });

export interface Harness {
  t: TestApi;
  c: FineTuningServiceClient;
  md: Metadata;
  /** Name of the training dataset. */
  dataset: string;
}

export async function harness(t: TestApi): Promise<Harness> {
  const c = t.fineTuning();
  const { md } = await t.newProject('mlflow');
  const dataset = (
    await upload(c, md, [
      { metadata: { displayName: 'train', labels: {}, requestId: '', parent: '' }, rows: tinyRows(10) },
    ])
  ).dataset!.name;
  return { t, c, md, dataset };
}

export async function createJob(h: Harness, mlflow: Partial<MlflowTracking>): Promise<Job> {
  const res = await call(
    h.c,
    h.c.createJob,
    CreateJobRequest.fromPartial({
      spec: {
        baseModel: 'builtin:tiny-arith',
        trainingDataset: h.dataset,
        entropyTarget: { constant: 0.3 },
        rollout: { promptsPerStep: 4, samplesPerPrompt: 2 },
        labels: { team: 'mlops' },
        mlflow: { trackingUri: '', experimentName: '', registeredModelName: '', ...mlflow },
      },
    }),
    h.md,
  );
  return res.job!;
}

/** Leases the job and reports `steps` steps (in heartbeats of 50), evaluations every 10, and checkpoints. */
export async function runJob(
  h: Harness,
  jobId: string,
  o: { steps: number; checkpoints?: { step: number; uri: string; inBand: boolean }[]; complete?: boolean },
): Promise<{ attempt: number }> {
  const ex = h.t.executor;
  const { lease } = await call(ex, ex.leaseJob, { executorId: 'it', waitSeconds: 5, models: [] }, emd, {
    deadline: Date.now() + 20_000,
  });
  expect(jobIdOf(lease!.job!.name)).toBe(jobId);
  const attempt = lease!.attempt;
  for (let first = 1; first <= o.steps; first += 50) {
    const steps = [];
    for (let n = first; n < first + 50 && n <= o.steps; n++) steps.push(stepRecord(n));
    const evaluations = steps.filter((s) => s.step % 10 === 0).map((s) => evaluation(s.step));
    await call(ex, ex.heartbeat, { jobId, attempt, steps, evaluations, rewindReason: '' }, emd);
  }
  for (const ck of o.checkpoints ?? []) {
    await call(
      ex,
      ex.reportCheckpoint,
      {
        jobId,
        attempt,
        step: ck.step,
        uri: ck.uri,
        entropy: 0.3,
        inBand: ck.inBand,
        rewardMean: 0.5,
        sizeBytes: 10,
      },
      emd,
    );
  }
  if (o.complete !== false) await complete(h, jobId, attempt);
  return { attempt };
}

export async function complete(
  h: Harness,
  jobId: string,
  attempt: number,
  outcome = Outcome.OUTCOME_SUCCEEDED,
) {
  const ex = h.t.executor;
  const done = await call(
    ex,
    ex.completeJob,
    {
      jobId,
      attempt,
      outcome,
      steps: [],
      evaluations: [],
      ...(outcome === Outcome.OUTCOME_FAILED ? { error: { code: 13, message: 'boom', details: [] } } : {}),
    },
    emd,
  );
  return done.job!;
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The tracker's row of the job (migration 0006). */
async function trackerRow(databaseUrl: string, jobId: string): Promise<Record<string, unknown> | undefined> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query('SELECT * FROM mlflow_runs WHERE job_id = $1', [jobId])).rows[0];
  } finally {
    await db.end();
  }
}

export const untilDone = (t: TestApi, jobId: string) =>
  until(`the MLflow sync of ${jobId}`, async () => {
    const row = await trackerRow(t.api.databaseUrl, jobId);
    return row?.['done'] === true ? row : undefined;
  });

export async function events(h: Harness, job: string) {
  return (await call(h.c, h.c.listJobEvents, { parent: job, pageSize: 1000, pageToken: '' }, h.md)).events;
}

export async function metricsText(t: TestApi): Promise<string> {
  return (await fetch(`${t.api.httpUrl}/metrics`)).text();
}

export const metricValue = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
};

/** Asserts one point per step 1..steps for every step metric, none twice. */
export async function expectOnePointPerStep(reader: MlflowReader, run: MlflowRunView, steps: number) {
  const keys = stepMetrics(1, StepRecord.toJSON(stepRecord(1)), 0).map((m) => m.key);
  expect(keys).toEqual(
    expect.arrayContaining([
      'entropy',
      'entropy_target',
      'entropy_target_lower',
      'entropy_target_upper',
      'temperature',
      'reinforce_count',
      'reward_mean',
      'accuracy',
      'step_seconds',
    ]),
  );
  for (const key of keys) {
    const points = await reader.history(run.info.run_id, key);
    expect(
      points.map((p) => p.step).sort((a, b) => a - b),
      key,
    ).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  }
}
