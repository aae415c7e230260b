/** How a job maps onto MLflow (params, metrics, batches), JobSpec.mlflow, and the tracker's settings. */
import { Algorithm, EntropyEstimator, JobSpec, ScheduleKind, StepRecord } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig } from '../config/api-config.js';
import { applySpecDefaults } from '../jobs/job-spec.defaults.js';
import { validateJobSpec } from '../jobs/job-spec.validator.js';
import { isLocalUri } from './mlflow-model.registrar.js';
import { evaluationMetrics, fitValue, metricBatches, specParams, stepMetrics } from './mlflow.mapping.js';
import { retryDelayMs } from './mlflow.tracker.js';

const base = (over: Partial<JobSpec> = {}) =>
  JobSpec.fromPartial({
    baseModel: 'hf:Qwen/Qwen2.5-Math-7B',
    trainingDataset: 'projects/p/datasets/00000000-0000-4000-8000-000000000001',
    algorithm: Algorithm.ALGORITHM_AEPO,
    entropyTarget: { constant: 0.3 },
    ...over,
  });

const DEPLOYMENT = { mlflow: { trackingUri: 'http://mlflow:5000', experimentName: 'team' } };

describe('JobSpec.mlflow', () => {
  it('takes the deployment server and experiment, and names the model after the base model', () => {
    const stored = applySpecDefaults(base(), () => 1, DEPLOYMENT);
    expect(stored.mlflow).toEqual({
      trackingUri: 'http://mlflow:5000',
      experimentName: 'team',
      registeredModelName: 'aepo-hf-Qwen-Qwen2.5-Math-7B',
    });
  });

  it("keeps the job's own values, and leaves a job untracked when nobody names a server", () => {
    const own = { trackingUri: 'https://ml.example:8443/', experimentName: 'x', registeredModelName: 'm' };
    expect(applySpecDefaults(base({ mlflow: own }), () => 1, DEPLOYMENT).mlflow).toEqual(own);
    expect(applySpecDefaults(base(), () => 1).mlflow).toBeUndefined();
    expect(
      applySpecDefaults(
        base({ mlflow: { trackingUri: '', experimentName: 'x', registeredModelName: '' } }),
        () => 1,
      ).mlflow,
    ).toBeUndefined();
  });

  it('refuses a non-http(s) URI, credentials in it, and model names MLflow refuses', () => {
    const fields = (m: JobSpec['mlflow']) =>
      validateJobSpec(base({ mlflow: m }), ['hf:Qwen/Qwen2.5-Math-7B']).list.map((v) => v.field);
    const ok = { trackingUri: 'http://127.0.0.1:5000', experimentName: 'e', registeredModelName: 'm' };
    expect(fields(ok)).toEqual([]);
    expect(fields({ ...ok, trackingUri: '' })).toEqual([]);
    expect(fields({ ...ok, trackingUri: 'file:///tmp/mlruns' })).toEqual(['spec.mlflow.tracking_uri']);
    expect(fields({ ...ok, trackingUri: 'databricks' })).toEqual(['spec.mlflow.tracking_uri']);
    expect(fields({ ...ok, trackingUri: 'https://user:pw@ml.example' })).toEqual([
      'spec.mlflow.tracking_uri',
    ]);
    expect(fields({ ...ok, experimentName: 'e'.repeat(501) })).toEqual(['spec.mlflow.experiment_name']);
    expect(fields({ ...ok, registeredModelName: 'a/b' })).toEqual(['spec.mlflow.registered_model_name']);
    expect(fields({ ...ok, registeredModelName: 'a:b' })).toEqual(['spec.mlflow.registered_model_name']);
  });
});

describe('MLflow mapping', () => {
  it('logs the resolved spec as dotted snake_case params without the mlflow block', () => {
    const stored = applySpecDefaults(base({ labels: { team: 'mlops' } }), () => 7, DEPLOYMENT);
    const params = Object.fromEntries(specParams(JobSpec.toJSON(stored)).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({
      base_model: 'hf:Qwen/Qwen2.5-Math-7B',
      algorithm: 'ALGORITHM_AEPO',
      'entropy_target.constant': '0.3',
      'entropy_target.tolerance': '0.05',
      'aepo.t_high': '1.2',
      'aepo.controller.kind': 'CONTROLLER_KIND_DUAL',
      'optimization.seed': '7',
      'labels.team': 'mlops',
    });
    expect(Object.keys(params).filter((k) => k.startsWith('mlflow'))).toEqual([]);
    expect(Object.keys(params).every((k) => k.length <= 250)).toBe(true);
  });

  it("cuts a param to MLflow's 6000 characters, saying how much was cut", () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ step: i * 10, value: 0.1 + i / 10_000 }));
    const stored = applySpecDefaults(
      base({
        entropyTarget: {
          estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
          schedule: {
            kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE,
            startValue: 0,
            endValue: 0,
            startStep: 0,
            endStep: 0,
            points,
          },
        },
      }),
      () => 1,
    );
    const p = specParams(JobSpec.toJSON(stored)).find((x) => x.key === 'entropy_target.schedule.points')!;
    expect(p.value).toHaveLength(6000);
    expect(p.value).toMatch(/\.\.\.\[\d+ more chars\]$/);
    expect(fitValue('short')).toBe('short');
  });

  it('turns every number and flag of a step record into a metric at its step', () => {
    const record = StepRecord.toJSON(
      StepRecord.fromPartial({
        step: 9,
        attempt: 2,
        entropy: 0.4,
        reinforceCount: 3,
        targetUnreachable: true,
      }),
    );
    const metrics = stepMetrics(9, record, 1234);
    const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
    expect(byKey['entropy']).toEqual({ key: 'entropy', value: 0.4, step: 9, timestamp: 1234 });
    expect(byKey['reinforce_count']!.value).toBe(3);
    expect(byKey['target_unreachable']!.value).toBe(1);
    expect(byKey['step_seconds']!.value).toBe(0);
    expect(byKey['step']).toBeUndefined();
    expect(byKey['attempt']).toBeUndefined();
    expect(byKey['unreachable_reason']).toBeUndefined();
    expect(evaluationMetrics(9, { accuracy: 0.5, passAtK: 0.75 }, 1).map((m) => m.key)).toEqual(
      expect.arrayContaining(['eval_accuracy', 'eval_pass_at_k']),
    );
  });

  it('batches at most 1000 metrics per call without splitting a record, with the cursor of its last record', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ revision: i + 1, n: 37 }));
    const batches = metricBatches(
      records,
      (r) =>
        Array.from({ length: r.n }, (_, k) => ({ key: `m${k}`, value: 0, step: r.revision, timestamp: 0 })),
      (r) => r.revision,
    );
    expect(batches.every((b) => b.metrics.length <= 1000)).toBe(true);
    expect(batches.map((b) => b.metrics.length)).toEqual([999, 999, 999, 703]);
    expect(batches.map((b) => b.cursor)).toEqual([27, 54, 81, 100]);
    expect(batches.flatMap((b) => b.metrics)).toHaveLength(3700);
  });

  it('tells local checkpoint paths from object-store URIs', () => {
    expect(isLocalUri('/shared/checkpoints/j/step-5')).toBe(true);
    expect(isLocalUri('file:///shared/x')).toBe(true);
    expect(isLocalUri('relative/dir')).toBe(true);
    expect(isLocalUri('s3://bucket/prefix/step-5')).toBe(false);
    expect(isLocalUri('gs://bucket/x')).toBe(false);
  });

  it('backs off exponentially up to the maximum', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((f) => retryDelayMs(f, 60_000, mid))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(40, 60_000, mid)).toBe(60_000);
    expect(retryDelayMs(3, 60_000, () => 0)).toBe(1500);
  });
});

describe('MLflow settings', () => {
  it('reads the deployment server and refuses a non-http(s) one', () => {
    const c = loadApiConfig({
      AEPO_MLFLOW_TRACKING_URI: 'https://mlflow.internal',
      AEPO_MLFLOW_TRACKING_TOKEN: 't',
    });
    expect(c.mlflow).toMatchObject({
      trackingUri: 'https://mlflow.internal',
      experimentName: 'aepo',
      token: 't',
      syncIntervalMs: 2000,
    });
    expect(loadApiConfig({}).mlflow.trackingUri).toBeUndefined();
    let problems: string[] = [];
    try {
      loadApiConfig({ AEPO_MLFLOW_TRACKING_URI: 'databricks', AEPO_MLFLOW_TRACKING_TOKEN: 'secret-value' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^AEPO_MLFLOW_TRACKING_URI: must be an http/)]);
  });
});
