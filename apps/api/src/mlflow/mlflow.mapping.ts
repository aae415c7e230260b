/**
 * What an AEPO job looks like in MLflow: the resolved spec as params, step and evaluation records as
 * metrics by step, and batches within MLflow's limits. Pure functions (unit-tested in
 * mlflow.mapping.spec.ts).
 */
import { EvaluationRecord, JobSpec, ScheduleKind, StepRecord, type EntropyTarget } from '@aepo/contracts';
import {
  LOG_BATCH_LIMITS,
  MAX_KEY_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  type MlflowMetric,
  type MlflowTag,
} from './mlflow.client.js';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Cuts a value to `max` characters, marking the cut (MLflow refuses longer params and tags). */
export function fitValue(value: string, max = MAX_PARAM_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  const marker = `...[${value.length - max + 20} more chars]`;
  return value.slice(0, max - marker.length) + marker;
}

/**
 * The stored spec as MLflow params: proto field names joined with dots (`aepo.t_high`,
 * `rollout.prompts_per_step`), enums by name, lists as JSON, labels as `labels.<key>`. The spec's own
 * `mlflow` block is left out (it is where the run is, not how the model was trained).
 */
export function specParams(specJson: unknown): MlflowTag[] {
  const spec = JobSpec.toJSON(JobSpec.fromJSON(specJson)) as Record<string, unknown>;
  delete spec['mlflow'];
  const out: MlflowTag[] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        walk(prefix === '' ? snake(k) : prefix === 'labels' ? `labels.${k}` : `${prefix}.${snake(k)}`, v);
      }
      return;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out.push({ key: prefix.slice(0, MAX_KEY_LENGTH), value: fitValue(text) });
  };
  walk('', spec);
  return out;
}

/** Every number and flag of a record except its step and attempt, keyed by snake_case field name. */
function numericFields(record: object, prefix: string): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(record)) {
    if (k === 'step' || k === 'attempt') continue;
    if (typeof v === 'number') out.push([prefix + snake(k), v]);
    else if (typeof v === 'boolean') out.push([prefix + snake(k), v ? 1 : 0]);
  }
  return out;
}

/** One step record's metrics: entropy, target, band, temperature, REINFORCE count, reward, timings... */
export function stepMetrics(step: number, recordJson: unknown, timestamp: number): MlflowMetric[] {
  return numericFields(StepRecord.fromJSON(recordJson), '').map(([key, value]) => ({
    key,
    value,
    step,
    timestamp,
  }));
}

/** One evaluation record's metrics, prefixed `eval_` (eval_accuracy, eval_pass_at_k, ...). */
export function evaluationMetrics(step: number, recordJson: unknown, timestamp: number): MlflowMetric[] {
  return numericFields(EvaluationRecord.fromJSON(recordJson), 'eval_').map(([key, value]) => ({
    key,
    value,
    step,
    timestamp,
  }));
}

/**
 * Groups records' metrics into log-batch calls of at most `limit` metrics without splitting a record,
 * so that after each call the cursor can move past whole records. Each group carries the cursor value
 * of its last record.
 */
export function metricBatches<R>(
  records: R[],
  metricsOf: (r: R) => MlflowMetric[],
  cursorOf: (r: R) => number,
  limit: number = LOG_BATCH_LIMITS.metrics,
): { metrics: MlflowMetric[]; cursor: number }[] {
  const batches: { metrics: MlflowMetric[]; cursor: number }[] = [];
  let current: { metrics: MlflowMetric[]; cursor: number } | undefined;
  for (const r of records) {
    const metrics = metricsOf(r);
    if (current && current.metrics.length + metrics.length > limit) {
      batches.push(current);
      current = undefined;
    }
    current ??= { metrics: [], cursor: 0 };
    current.metrics.push(...metrics);
    current.cursor = cursorOf(r);
  }
  if (current) batches.push(current);
  return batches;
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The target as a tag value: the constant (`0.3`) or the schedule in one line. */
export function targetEntropyTag(targetJson: unknown): string {
  if (targetJson === null || targetJson === undefined) return 'none';
  const t: EntropyTarget | undefined = JobSpec.fromJSON({ entropyTarget: targetJson }).entropyTarget;
  if (t?.constant !== undefined) return String(t.constant);
  const s = t?.schedule;
  if (!s) return 'none';
  if (s.points.length > 0)
    return fitValue(`piecewise ${s.points.map((p) => `${p.step}:${p.value}`).join(',')}`, 500);
  const kind = s.kind === ScheduleKind.SCHEDULE_KIND_COSINE ? 'cosine' : 'linear';
  return `${kind} ${s.startValue}->${s.endValue} over steps ${s.startStep}..${s.endStep}`;
}
