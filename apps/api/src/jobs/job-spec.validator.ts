import {
  Algorithm,
  ControlVariable,
  ControllerKind,
  LossAggregation,
  ScheduleKind,
  type EntropyTarget,
  type GraderSpec,
  type JobSpec,
  type ModelConfig,
  type MlflowTracking,
} from '@aepo/contracts';
import { checkLabels, UUID_RE, Violations } from '../common/violations.js';
import { SPEC_DEFAULTS } from './job-spec.defaults.js';
import { regexProblem } from '@aepo/rewards';

const UNRECOGNIZED = 'UNRECOGNIZED';

/** Checks an entropy target; `prefix` is the field path of the target message. */
export function validateEntropyTarget(
  v: Violations,
  prefix: string,
  t: EntropyTarget | undefined,
  required: boolean,
): void {
  if (t === undefined) {
    if (required) v.add(prefix, 'is required');
    return;
  }
  if (t.constant !== undefined && t.schedule !== undefined)
    v.add(prefix, 'set either constant or schedule, not both');
  if (t.constant === undefined && t.schedule === undefined) v.add(prefix, 'set constant or schedule');
  v.range(`${prefix}.constant`, t.constant, 0, 50, { minExclusive: true });
  v.range(`${prefix}.tolerance`, t.tolerance, 0, 50);
  if ((t.estimator as string) === UNRECOGNIZED) v.add(`${prefix}.estimator`, 'unknown estimator');
  const s = t.schedule;
  if (s === undefined) return;
  const sp = `${prefix}.schedule`;
  switch (s.kind) {
    case ScheduleKind.SCHEDULE_KIND_LINEAR:
    case ScheduleKind.SCHEDULE_KIND_COSINE:
      v.range(`${sp}.start_value`, s.startValue, 0, 50, { minExclusive: true });
      v.range(`${sp}.end_value`, s.endValue, 0, 50, { minExclusive: true });
      v.range(`${sp}.start_step`, s.startStep, 0, 1e9, { integer: true });
      if (s.endStep !== 0 && s.endStep <= s.startStep)
        v.add(`${sp}.end_step`, 'must be greater than start_step');
      if (s.points.length > 0) v.add(`${sp}.points`, 'only for PIECEWISE schedules');
      break;
    case ScheduleKind.SCHEDULE_KIND_PIECEWISE: {
      if (s.points.length === 0) v.add(`${sp}.points`, 'at least one point is required');
      if (s.points.length > 1000) v.add(`${sp}.points`, 'at most 1000 points');
      let prev = -1;
      s.points.forEach((p, i) => {
        v.range(`${sp}.points[${i}].step`, p.step, 0, 1e9, { integer: true });
        v.range(`${sp}.points[${i}].value`, p.value, 0, 50, { minExclusive: true });
        if (p.step <= prev) v.add(`${sp}.points[${i}].step`, 'steps must be strictly increasing');
        prev = p.step;
      });
      break;
    }
    default:
      v.add(`${sp}.kind`, 'must be LINEAR, COSINE or PIECEWISE');
  }
}

/**
 * A LINEAR or COSINE ramp whose end_step is left to default ends at max_steps: its start_step must lie
 * before that (the trainer refuses a ramp that ends before it starts, and the job would fail on the
 * executor). `maxSteps` is the job's effective optimization.max_steps.
 */
export function checkScheduleFitsSteps(
  v: Violations,
  prefix: string,
  t: EntropyTarget | undefined,
  maxSteps: number,
): void {
  const s = t?.schedule;
  if (!s || (s.kind !== ScheduleKind.SCHEDULE_KIND_LINEAR && s.kind !== ScheduleKind.SCHEDULE_KIND_COSINE))
    return;
  if (s.endStep === 0 && s.startStep >= maxSteps) {
    v.add(
      `${prefix}.schedule.start_step`,
      `must be below optimization.max_steps (${maxSteps}), where the ramp ends when end_step is unset`,
    );
  }
}

function validateGrader(v: Violations, prefix: string, g: GraderSpec | undefined, depth: number): void {
  if (g === undefined) return;
  const set = Object.entries(g).filter(([, x]) => x !== undefined);
  if (set.length > 1) v.add(prefix, 'set exactly one grader kind');
  if (depth > 4) {
    v.add(prefix, 'weighted graders nest at most 4 deep');
    return;
  }
  if (g.numeric) {
    v.range(`${prefix}.numeric.rel_tol`, g.numeric.relTol, 0, 1e6);
    v.range(`${prefix}.numeric.abs_tol`, g.numeric.absTol, 0, 1e12);
  }
  if (g.regex) {
    const pattern = g.regex.pattern;
    if (pattern === '' || pattern.length > 1024)
      v.add(`${prefix}.regex.pattern`, 'must be 1..1024 characters');
    else {
      // The grader runs patterns on RE2 (linear time): what RE2 refuses (backreferences, lookaround)
      // is refused here, with the grader's own reason, instead of scoring every sample 0.
      const problem = regexProblem(pattern);
      if (problem !== null) v.add(`${prefix}.regex.pattern`, problem);
    }
  }
  if (g.weighted) {
    if (g.weighted.parts.length === 0) v.add(`${prefix}.weighted.parts`, 'at least one part is required');
    g.weighted.parts.forEach((part, i) => {
      const pp = `${prefix}.weighted.parts[${i}]`;
      v.range(`${pp}.weight`, part.weight, 0, 1e6, { minExclusive: true });
      if (part.grader === undefined || Object.values(part.grader).every((x) => x === undefined)) {
        v.add(`${pp}.grader`, 'is required');
      } else validateGrader(v, `${pp}.grader`, part.grader, depth + 1);
    });
  }
}

/**
 * Validates a caller's spec (before defaults). Dataset existence is checked by the service; this is
 * every rule that needs no database.
 */
export function validateJobSpec(spec: JobSpec | undefined, models: readonly string[]): Violations {
  const v = new Violations();
  if (spec === undefined) {
    v.add('spec', 'is required');
    return v;
  }
  const p = 'spec';
  if (spec.baseModel === '') v.add(`${p}.base_model`, 'is required');
  else if (!models.includes(spec.baseModel)) {
    v.add(`${p}.base_model`, `unknown model; allowed: ${models.join(', ')}`);
  }
  if (spec.trainingDatasetId === '') v.add(`${p}.training_dataset_id`, 'is required');
  else if (!UUID_RE.test(spec.trainingDatasetId)) v.add(`${p}.training_dataset_id`, 'must be a dataset id');
  if (spec.validationDatasetId !== '' && !UUID_RE.test(spec.validationDatasetId)) {
    v.add(`${p}.validation_dataset_id`, 'must be a dataset id');
  }
  if ((spec.algorithm as string) === UNRECOGNIZED) v.add(`${p}.algorithm`, 'unknown algorithm');
  const isAepo =
    spec.algorithm === Algorithm.ALGORITHM_AEPO || spec.algorithm === Algorithm.ALGORITHM_UNSPECIFIED;
  validateEntropyTarget(v, `${p}.entropy_target`, spec.entropyTarget, isAepo);
  const maxSteps = spec.optimization?.maxSteps ?? SPEC_DEFAULTS.maxSteps;
  if (Number.isSafeInteger(maxSteps))
    checkScheduleFitsSteps(v, `${p}.entropy_target`, spec.entropyTarget, maxSteps);

  const a = spec.aepo;
  if (a) {
    v.range(`${p}.aepo.t_high`, a.tHigh, 1, 5, { minExclusive: true });
    v.range(`${p}.aepo.t_low`, a.tLow, 0, 1, { minExclusive: true, maxExclusive: true });
    v.range(`${p}.aepo.resample_fraction`, a.resampleFraction, 0, 1, { minExclusive: true });
    if (a.reinforceCount !== undefined && a.reinforceFraction !== undefined) {
      v.add(`${p}.aepo.reinforce_count`, 'set reinforce_count or reinforce_fraction, not both');
    }
    v.range(`${p}.aepo.reinforce_count`, a.reinforceCount, 0, 1_000_000, { integer: true });
    v.range(`${p}.aepo.reinforce_fraction`, a.reinforceFraction, 0, 1);
    v.range(`${p}.aepo.positive_threshold`, a.positiveThreshold, 0, 10);
    const c = a.controller;
    if (c) {
      if ((c.kind as string) === UNRECOGNIZED) v.add(`${p}.aepo.controller.kind`, 'unknown controller');
      if ((c.variable as string) === UNRECOGNIZED) v.add(`${p}.aepo.controller.variable`, 'unknown variable');
      if (
        c.kind !== ControllerKind.CONTROLLER_KIND_PROPORTIONAL &&
        c.variable !== ControlVariable.CONTROL_VARIABLE_UNSPECIFIED
      ) {
        v.add(`${p}.aepo.controller.variable`, 'only for the PROPORTIONAL controller');
      }
      v.range(`${p}.aepo.controller.proportional_gain`, c.proportionalGain, 0, 1000);
      v.range(`${p}.aepo.controller.integral_gain`, c.integralGain, 0, 1000);
      v.range(`${p}.aepo.controller.entropy_coef_gain`, c.entropyCoefGain, 0, 1);
      v.range(`${p}.aepo.controller.entropy_coef_max_step`, c.entropyCoefMaxStep, 0, 1);
      v.range(`${p}.aepo.controller.entropy_coef_limit`, c.entropyCoefLimit, 0, 10);
      v.range(`${p}.aepo.controller.entropy_coef_deadband`, c.entropyCoefDeadband, 0, 1);
    }
  }

  const r = spec.rollout;
  if (r) {
    v.range(`${p}.rollout.prompts_per_step`, r.promptsPerStep, 1, 65536, { integer: true });
    v.range(`${p}.rollout.samples_per_prompt`, r.samplesPerPrompt, 2, 256, { integer: true });
    v.range(`${p}.rollout.max_tokens`, r.maxTokens, 1, 131072, { integer: true });
    v.range(`${p}.rollout.top_p`, r.topP, 0, 1, { minExclusive: true });
    v.range(`${p}.rollout.temperature`, r.temperature, 0, 4, { minExclusive: true });
    if (r.stop.length > 16) v.add(`${p}.rollout.stop`, 'at most 16 stop strings');
    r.stop.forEach((s, i) => {
      if (s === '' || s.length > 64) v.add(`${p}.rollout.stop[${i}]`, 'must be 1..64 characters');
    });
  }

  const o = spec.optimization;
  if (o) {
    v.range(`${p}.optimization.learning_rate`, o.learningRate, 0, 1, { minExclusive: true });
    v.range(`${p}.optimization.weight_decay`, o.weightDecay, 0, 10);
    v.range(`${p}.optimization.grad_clip`, o.gradClip, 0, 1e6, { minExclusive: true });
    v.range(`${p}.optimization.clip_ratio_low`, o.clipRatioLow, 0, 1, { maxExclusive: true });
    v.range(`${p}.optimization.clip_ratio_high`, o.clipRatioHigh, 0, 100, { minExclusive: true });
    v.range(`${p}.optimization.dual_clip`, o.dualClip, 1, 1e6, { minExclusive: true });
    if ((o.lossAggregation as string) === UNRECOGNIZED) {
      v.add(`${p}.optimization.loss_aggregation`, 'unknown aggregation');
    } else if (
      ![
        LossAggregation.LOSS_AGGREGATION_UNSPECIFIED,
        LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN,
        LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN,
        LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM,
      ].includes(o.lossAggregation)
    ) {
      v.add(`${p}.optimization.loss_aggregation`, 'unknown aggregation');
    }
    v.range(`${p}.optimization.mini_batch_prompts`, o.miniBatchPrompts, 1, 65536, { integer: true });
    const prompts = r?.promptsPerStep ?? 512;
    if (o.miniBatchPrompts !== undefined && o.miniBatchPrompts > prompts) {
      v.add(`${p}.optimization.mini_batch_prompts`, `must not exceed rollout.prompts_per_step (${prompts})`);
    }
    v.range(`${p}.optimization.epochs_per_rollout`, o.epochsPerRollout, 1, 16, { integer: true });
    v.range(`${p}.optimization.kl_coef`, o.klCoef, 0, 1000);
    v.range(`${p}.optimization.max_steps`, o.maxSteps, 1, 1_000_000, { integer: true });
    v.range(`${p}.optimization.seed`, o.seed, 0, Number.MAX_SAFE_INTEGER, { integer: true });
  }

  v.range(`${p}.entropy_reg.coef`, spec.entropyReg?.coef, 0, 100);
  v.range(`${p}.entropy_adv.alpha`, spec.entropyAdv?.alpha, 0, 100);
  v.range(`${p}.entropy_adv.kappa`, spec.entropyAdv?.kappa, 0, 1000, { minExclusive: true });
  validateGrader(v, `${p}.grader`, spec.grader, 1);

  const val = spec.validation;
  if (val) {
    v.range(`${p}.validation.every_n_steps`, val.everyNSteps, 0, 1_000_000, { integer: true });
    if ((val.everyNSteps ?? 0) > 0 && spec.validationDatasetId === '') {
      v.add(`${p}.validation.every_n_steps`, 'needs spec.validation_dataset_id');
    }
    v.range(`${p}.validation.temperature`, val.temperature, 0, 4, { minExclusive: true });
    v.range(`${p}.validation.k`, val.k, 1, 64, { integer: true });
    v.range(`${p}.validation.max_prompts`, val.maxPrompts, 0, 10_000_000, { integer: true });
  }
  const ck = spec.checkpoint;
  if (ck) {
    v.range(`${p}.checkpoint.every_n_steps`, ck.everyNSteps, 1, 1_000_000, { integer: true });
    v.range(`${p}.checkpoint.keep_last`, ck.keepLast, 1, 1000, { integer: true });
  }
  validateModelConfig(v, `${p}.model`, spec.model);
  validateMlflow(v, `${p}.mlflow`, spec.mlflow);
  checkLabels(v, `${p}.labels`, spec.labels);
  return v;
}

const MODULE_NAME_RE = /^[A-Za-z0-9_.]{1,64}$/;

/** Precision, memory budget, LoRA adapter and chat template (JobSpec.model). */
function validateModelConfig(v: Violations, prefix: string, m: ModelConfig | undefined): void {
  if (m === undefined) return;
  if ((m.precision as string) === UNRECOGNIZED) v.add(`${prefix}.precision`, 'unknown precision');
  if (m.maxTokensPerMicroBatch !== undefined && m.maxTokensPerMicroBatch !== 0) {
    v.range(`${prefix}.max_tokens_per_micro_batch`, m.maxTokensPerMicroBatch, 256, 16_777_216, {
      integer: true,
    });
  }
  const a = m.adapter;
  if (a === undefined) return;
  v.range(`${prefix}.adapter.rank`, a.rank, 1, 1024, { integer: true });
  v.range(`${prefix}.adapter.alpha`, a.alpha, 0, 1e6, { minExclusive: true });
  v.range(`${prefix}.adapter.dropout`, a.dropout, 0, 1, { maxExclusive: true });
  if (a.targetModules.length > 32) v.add(`${prefix}.adapter.target_modules`, 'at most 32 modules');
  a.targetModules.forEach((name, i) => {
    if (!MODULE_NAME_RE.test(name))
      v.add(`${prefix}.adapter.target_modules[${i}]`, 'must be 1..64 characters of [A-Za-z0-9_.]');
  });
}

/** JobSpec.mlflow: empty fields take the deployment's defaults; set ones must be usable by MLflow. */
function validateMlflow(v: Violations, prefix: string, m: MlflowTracking | undefined): void {
  if (m === undefined) return;
  if (m.trackingUri !== '') {
    let url: URL | undefined;
    try {
      url = new URL(m.trackingUri);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || m.trackingUri.length > 2048)
      v.add(`${prefix}.tracking_uri`, 'must be an http:// or https:// URL of at most 2048 characters');
    else if (url.username !== '' || url.password !== '')
      v.add(`${prefix}.tracking_uri`, 'must not carry credentials (they would be stored in the spec)');
  }
  if (m.experimentName.length > 500) v.add(`${prefix}.experiment_name`, 'at most 500 characters');
  const name = m.registeredModelName;
  if (name.length > 256 || /[/:]/.test(name) || (name !== '' && name.trim() === ''))
    v.add(`${prefix}.registered_model_name`, "must be 1..256 characters without '/' or ':'");
}
