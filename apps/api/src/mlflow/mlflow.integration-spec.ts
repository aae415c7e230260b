/**
 * The MLflow tracker against a real `mlflow server` (test/support/mlflow-server.ts): jobs driven
 * through the real API and executor protocol, checked through MLflow's REST API. The harness (jobs,
 * waits, checks): test/support/mlflow-harness.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateJobRequest,
  JobEventType,
  JobSpec,
  JobState,
  executorV1,
  jobIdOf,
  type MlflowTracking,
} from '@aepo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MlflowReader,
  startMlflowServer,
  type MlflowRunView,
  type MlflowServer,
} from '../../../../test/support/mlflow-server.js';
import {
  complete,
  createJob,
  events,
  expectOnePointPerStep,
  harness,
  metricsText,
  metricValue,
  runJob,
  trackerConfig,
  until,
  untilDone,
  type Harness,
} from '../../../../test/support/mlflow-harness.js';
import { call, startTestApi } from '../testing/test-api.js';
import { specParams } from './mlflow.mapping.js';

const { Outcome } = executorV1;

/** A job with its `{job}` id beside its name: the run's name and the executor protocol's job id. */
async function createTracked(h: Harness, mlflow: Partial<MlflowTracking>) {
  const job = await createJob(h, mlflow);
  return { ...job, id: jobIdOf(job.name) };
}

let server: MlflowServer;
let reader: MlflowReader;

// A cold install (uv sync) plus the server's first start (imports, SQLite schema) on a loaded machine.
beforeAll(async () => {
  server = await startMlflowServer();
  reader = new MlflowReader(server.url);
}, 600_000);

afterAll(async () => {
  await server?.close();
});

describe('MLflow tracking', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(await startTestApi({ mlflow: trackerConfig({ trackingUri: server.url }) }));
  });
  afterAll(async () => {
    await h?.t.close();
  });

  it('makes each job a run: spec as params, one point per step, evaluations, events, status, a model version', async () => {
    const job = await createTracked(h, { experimentName: 'it-tracking' });
    expect(job.spec!.mlflow).toEqual({
      trackingUri: server.url,
      experimentName: 'it-tracking',
      registeredModelName: 'aepo-builtin-tiny-arith',
    });
    await runJob(h, job.id, {
      steps: 60,
      checkpoints: [
        { step: 30, uri: `/shared/checkpoints/${job.id}/step-30`, inBand: true },
        { step: 60, uri: `/shared/checkpoints/${job.id}/step-60`, inBand: false },
      ],
    });
    const row = await untilDone(h.t, job.id);
    const run = (await reader.runByName('it-tracking', job.id))!;
    expect(run.info.run_id).toBe(row['run_id']);
    expect(run.info.status).toBe('FINISHED');
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      job_id: job.id,
      job_name: job.name,
      target_entropy: '0.3',
      'mlflow.runName': job.id,
    });
    expect(tags['project_id']).toMatch(/^[0-9a-f-]{36}$/);

    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    const stored = (await call(h.c, h.c.getJob, { name: job.name }, h.md)).job!;
    expect(params).toEqual(
      Object.fromEntries(specParams(JobSpec.toJSON(stored.spec!)).map((p) => [p.key, p.value])),
    );
    expect(params).toMatchObject({
      base_model: 'builtin:tiny-arith',
      'aepo.t_high': '1.2',
      'rollout.prompts_per_step': '4',
      'entropy_target.constant': '0.3',
      'labels.team': 'mlops',
    });
    expect(Object.keys(params).some((k) => k.startsWith('mlflow'))).toBe(false);

    await expectOnePointPerStep(reader, run, 60);
    const entropy = await reader.history(run.info.run_id, 'entropy');
    expect(entropy.find((p) => p.step === 42)!.value).toBeCloseTo(0.342, 9);
    const reinforce = await reader.history(run.info.run_id, 'reinforce_count');
    expect(reinforce.find((p) => p.step === 12)!.value).toBe(5);
    const loss = await reader.history(run.info.run_id, 'loss');
    expect(String(loss.find((p) => p.step === 3)!.value)).toBe('NaN');
    const evalAccuracy = await reader.history(run.info.run_id, 'eval_accuracy');
    expect(evalAccuracy.map((p) => [p.step, p.value]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      [10, 20, 30, 40, 50, 60].map((s) => [s, s / 100]),
    );

    const eventLines = (await reader.artifact(run.info.run_id, 'events.jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sequence: number; type: string; to_state?: string });
    expect(eventLines.map((e) => e.sequence)).toEqual(eventLines.map((_, i) => i + 1));
    expect(eventLines.some((e) => e.type === 'STATE_CHANGED' && e.to_state === 'SUCCEEDED')).toBe(true);
    expect(eventLines.filter((e) => e.type === 'CHECKPOINT_SAVED')).toHaveLength(2);

    // The best-in-band checkpoint (step 30), a local path: registered through a run artifact.
    const versions = await reader.modelVersions('aepo-builtin-tiny-arith');
    const mine = versions.filter((v) => v.run_id === run.info.run_id);
    expect(mine).toHaveLength(1);
    const v = mine[0]!;
    expect(v.version).toBe(row['model_version']);
    expect(v.source).toBe(`runs:/${run.info.run_id}/checkpoint`);
    const vtags = Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]));
    expect(vtags).toMatchObject({
      job_id: job.id,
      target_entropy: '0.3',
      checkpoint_uri: `/shared/checkpoints/${job.id}/step-30`,
      checkpoint_step: '30',
    });
    const pointer = JSON.parse(await reader.artifact(run.info.run_id, 'checkpoint/aepo-checkpoint.json')) as {
      uri: string;
      step: number;
    };
    expect(pointer).toMatchObject({ uri: `/shared/checkpoints/${job.id}/step-30`, step: 30 });
  });

  it('registers an object-store checkpoint by its URI, and ends a failed job FAILED without a version', async () => {
    const s3 = await createTracked(h, { experimentName: 'it-tracking', registeredModelName: 'it-s3-model' });
    await runJob(h, s3.id, {
      steps: 5,
      checkpoints: [{ step: 5, uri: 's3://models/aepo/step-5', inBand: false }],
    });
    await untilDone(h.t, s3.id);
    const versions = await reader.modelVersions('it-s3-model');
    expect(versions.map((v) => v.source)).toEqual(['s3://models/aepo/step-5']);

    const failed = await createTracked(h, {
      experimentName: 'it-tracking',
      registeredModelName: 'it-failed',
    });
    const { attempt } = await runJob(h, failed.id, {
      steps: 3,
      checkpoints: [{ step: 3, uri: 's3://models/x', inBand: true }],
      complete: false,
    });
    await complete(h, failed.id, attempt, Outcome.OUTCOME_FAILED);
    const row = await untilDone(h.t, failed.id);
    expect(row['run_status']).toBe('FAILED');
    expect((await reader.runByName('it-tracking', failed.id))!.info.status).toBe('FAILED');
    expect(await reader.modelVersions('it-failed')).toEqual([]);
  });

  it('refuses a tracking URI that is not http(s), and fills in the deployment defaults', async () => {
    const err = await createTracked(h, { trackingUri: 'file:///tmp/mlruns' }).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/spec\.mlflow\.tracking_uri/);
    // A job that names no server is tracked on the deployment's (AEPO_MLFLOW_TRACKING_URI).
    const untracked = await call(
      h.c,
      h.c.createJob,
      CreateJobRequest.fromPartial({
        spec: {
          baseModel: 'builtin:tiny-arith',
          trainingDataset: h.dataset,
          entropyTarget: { constant: 0.3 },
        },
      }),
      h.md,
    );
    expect(untracked.job!.spec!.mlflow).toEqual({
      trackingUri: server.url,
      experimentName: 'aepo',
      registeredModelName: 'aepo-builtin-tiny-arith',
    });
    await call(h.c, h.c.cancelJob, { name: untracked.job!.name }, h.md);
  });
});

describe('MLflow outages and restarts', () => {
  it('finishes a job while MLflow is down, reports the gap once, and fills it when MLflow is back', async () => {
    const down = await startMlflowServer({ stopped: true });
    const t = await startTestApi({ mlflow: trackerConfig() });
    try {
      const h = await harness(t);
      const job = await createTracked(h, { trackingUri: down.url, experimentName: 'it-outage' });
      await runJob(h, job.id, { steps: 40, checkpoints: [{ step: 40, uri: '/shared/c/40', inBand: true }] });
      expect((await call(h.c, h.c.getJob, { name: job.name }, h.md)).job!.state).toBe(
        JobState.JOB_STATE_SUCCEEDED,
      );
      // Several retries fail, one event says so.
      await until('three failed syncs', async () =>
        metricValue(await metricsText(t), 'aepo_mlflow_sync_failures_total') >= 3 ? true : undefined,
      );
      const text = await metricsText(t);
      expect(metricValue(text, 'aepo_mlflow_sync_lag_steps')).toBe(40);
      expect(metricValue(text, 'aepo_mlflow_jobs_unavailable')).toBe(1);
      const unavailable = (await events(h, job.name)).filter(
        (e) => e.type === JobEventType.JOB_EVENT_TYPE_TRACKING_UNAVAILABLE,
      );
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]!.message).toContain(down.url);

      await down.start();
      await untilDone(t, job.id);
      const downReader = new MlflowReader(down.url);
      const run = (await downReader.runByName('it-outage', job.id))!;
      expect(run.info.status).toBe('FINISHED');
      await expectOnePointPerStep(downReader, run, 40);
      const evs = await events(h, job.name);
      expect(evs.filter((e) => e.type === JobEventType.JOB_EVENT_TYPE_TRACKING_UNAVAILABLE)).toHaveLength(1);
      expect(evs.filter((e) => e.type === JobEventType.JOB_EVENT_TYPE_TRACKING_RECOVERED)).toHaveLength(1);
      expect(await downReader.modelVersions('aepo-builtin-tiny-arith')).toHaveLength(1);
      const after = await metricsText(t);
      expect(metricValue(after, 'aepo_mlflow_sync_lag_steps')).toBe(0);
      expect(metricValue(after, 'aepo_mlflow_jobs_unavailable')).toBe(0);
    } finally {
      await t.close();
      await down.close();
    }
  });

  it('shares the work between two API replicas on one database without sending a point twice', async () => {
    const config = { mlflow: trackerConfig({ trackingUri: server.url, concurrency: 2 }) };
    const first = await startTestApi(config);
    const second = await startTestApi({ ...config, databaseUrl: first.api.databaseUrl });
    try {
      const h = await harness(first);
      const jobs = [];
      for (let i = 0; i < 3; i++) {
        const job = await createTracked(h, { experimentName: 'it-replicas' });
        await runJob(h, job.id, { steps: 150, checkpoints: [{ step: 150, uri: '/shared/x', inBand: true }] });
        jobs.push(job);
      }
      for (const job of jobs) {
        await untilDone(first, job.id);
        const runs = await reader.post<{ runs?: MlflowRunView[] }>('/api/2.0/mlflow/runs/search', {
          experiment_ids: [(await reader.runByName('it-replicas', job.id))!.info.experiment_id],
          filter: `attributes.run_name = '${job.id}'`,
        });
        expect(runs.runs).toHaveLength(1);
        await expectOnePointPerStep(reader, runs.runs![0]!, 150);
        const versions = await reader.modelVersions('aepo-builtin-tiny-arith');
        expect(versions.filter((v) => v.run_id === runs.runs![0]!.info.run_id)).toHaveLength(1);
      }
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('continues after an API restart in the middle of a sync without sending a point twice', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'aepo-mlflow-restart-'));
    const config = {
      mlflow: trackerConfig({ trackingUri: server.url, concurrency: 1 }),
      leaseTtlSeconds: 120,
    };
    let t = await startTestApi(config, { dataDir });
    try {
      const h = await harness(t);
      const job = await createTracked(h, { experimentName: 'it-restart' });
      const steps = 600;
      await runJob(h, job.id, { steps, checkpoints: [{ step: steps, uri: '/shared/r', inBand: true }] });
      // Stop the API once part of the records are in MLflow and the rest are not.
      const partial = await until('a partly synced run', async () => {
        const run = await reader.runByName('it-restart', job.id);
        if (!run) return undefined;
        const n = (await reader.history(run.info.run_id, 'entropy')).length;
        return n > 0 ? n : undefined;
      });
      await t.close();
      const run = (await reader.runByName('it-restart', job.id))!;
      const atStop = (await reader.history(run.info.run_id, 'entropy')).length;
      expect(partial).toBeLessThan(steps);
      expect(atStop).toBeLessThan(steps);

      t = await startTestApi(config, { dataDir });
      await untilDone(t, job.id);
      expect((await reader.runByName('it-restart', job.id))!.info.run_id).toBe(run.info.run_id);
      await expectOnePointPerStep(reader, run, steps);
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
