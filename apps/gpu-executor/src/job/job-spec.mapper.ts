/**
 * The stored job spec (aepo.v1.JobSpec, every default filled in by the API) as libs/aepo's algorithm
 * config and @aepo/rewards' grader. Pure functions; a spec the trainer cannot run throws
 * JobSpecError (the job fails with its message).
 */
import {
  type AlgorithmConfig,
  type AlgorithmConfigInput,
  type EntropyEstimator,
  type LossAggregation as AepoLossAggregation,
  type TargetSchedule,
  ConfigError,
  resolveConfig,
} from '@aepo/aepo';
import {
  Algorithm,
  ControlVariable,
  ControllerKind,
  EntropyEstimator as ProtoEstimator,
  type EntropySchedule,
  type ControllerConfig,
  type EntropyTarget,
  type GraderSpec as ProtoGraderSpec,
  type JobSpec,
  LossAggregation,
  Precision,
  ScheduleKind,
} from '@aepo/contracts';
import type { GraderSpec } from '@aepo/rewards';
import type { EngineModelOptions } from '../engine/engine.port.js';

export class JobSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobSpecError';
  }
}

const ALGORITHMS: Partial<Record<Algorithm, AlgorithmConfig['algorithm']>> = {
  [Algorithm.ALGORITHM_AEPO]: 'aepo',
  [Algorithm.ALGORITHM_GRPO]: 'grpo',
  [Algorithm.ALGORITHM_ENTROPY_REG]: 'entropy-reg',
  [Algorithm.ALGORITHM_ENTROPY_ADV]: 'entropy-adv',
};

const CONTROLLER_MODES: Partial<Record<ControllerKind, 'bang-bang' | 'proportional' | 'dual'>> = {
  [ControllerKind.CONTROLLER_KIND_BANG_BANG]: 'bang-bang',
  [ControllerKind.CONTROLLER_KIND_PROPORTIONAL]: 'proportional',
  [ControllerKind.CONTROLLER_KIND_DUAL]: 'dual',
};

const ESTIMATORS: Partial<Record<ProtoEstimator, EntropyEstimator>> = {
  [ProtoEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB]: 'full-vocabulary',
  [ProtoEstimator.ENTROPY_ESTIMATOR_SAMPLED_TOKEN]: 'sampled-token',
};

const AGGREGATIONS: Partial<Record<LossAggregation, AepoLossAggregation>> = {
  [LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN]: 'token-mean',
  [LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN]: 'seq-mean-token-mean',
  [LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM]: 'seq-mean-token-sum',
};

/**
 * A proto schedule in libs/aepo's terms. Training steps start at 1, so a ramp or point at step 0 is
 * moved to step 1 with the value the proto schedule has there (exact for LINEAR and PIECEWISE; a
 * COSINE ramp from step 0 starts its half-cosine at step 1 instead, a shift of one step).
 */
export function toTargetSchedule(s: EntropySchedule): TargetSchedule {
  switch (s.kind) {
    case ScheduleKind.SCHEDULE_KIND_LINEAR: {
      if (s.startStep >= 1 || s.endStep <= 1) {
        return {
          kind: 'linear',
          from: s.startValue,
          to: s.endValue,
          startStep: Math.max(1, s.startStep),
          endStep: Math.max(1, s.endStep),
        };
      }
      const at1 =
        s.startValue + ((s.endValue - s.startValue) * (1 - s.startStep)) / (s.endStep - s.startStep);
      return { kind: 'linear', from: at1, to: s.endValue, startStep: 1, endStep: s.endStep };
    }
    case ScheduleKind.SCHEDULE_KIND_COSINE:
      return {
        kind: 'cosine',
        from: s.startValue,
        to: s.endValue,
        startStep: Math.max(1, s.startStep),
        endStep: Math.max(1, s.endStep),
      };
    case ScheduleKind.SCHEDULE_KIND_PIECEWISE: {
      const pts = [...s.points].sort((a, b) => a.step - b.step);
      const first = pts[0];
      const second = pts[1];
      if (first && first.step < 1) {
        if (second && second.step > 1) {
          const at1 =
            first.value + ((second.value - first.value) * (1 - first.step)) / (second.step - first.step);
          pts[0] = { step: 1, value: at1 };
        } else if (second) pts.shift();
        else pts[0] = { step: 1, value: first.value };
      }
      return {
        kind: 'piecewise',
        points: pts.map((p) => ({ step: p.step, value: p.value })),
        interpolation: 'linear',
      };
    }
    default:
      throw new JobSpecError(`entropy_target.schedule.kind: unsupported ${String(s.kind)}`);
  }
}

/**
 * A value of the stored spec. The API stores every default (@aepo/contracts' applySpecDefaults), so
 * a missing one is a spec this executor cannot run, never a value to default again here.
 */
export function need<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new JobSpecError(`${field}: missing from the stored spec`);
  return value;
}

/** The entropy part of the config: schedule, absolute band, estimator. */
export function toEntropyConfig(t: EntropyTarget): NonNullable<AlgorithmConfigInput['entropy']> {
  const target: TargetSchedule =
    t.schedule !== undefined
      ? toTargetSchedule(t.schedule)
      : { kind: 'constant', value: need(t.constant, 'entropy_target.constant') };
  const estimator = ESTIMATORS[t.estimator];
  if (!estimator) throw new JobSpecError(`entropy_target.estimator: unsupported ${String(t.estimator)}`);
  // The API's tolerance is an absolute half-width.
  return { target, estimator, bandRelative: 0, bandAbsolute: need(t.tolerance, 'entropy_target.tolerance') };
}

/** The grader of a spec in @aepo/rewards' terms (the stored spec names one: math by default). */
export function toGraderSpec(stored: ProtoGraderSpec | undefined, depth = 0): GraderSpec {
  if (depth > 4) throw new JobSpecError('grader: weighted graders nested too deep');
  const g = need(stored, 'grader');
  if (g.math) return { kind: 'math' };
  if (g.exact) return { kind: 'exact', caseSensitive: g.exact.caseSensitive };
  if (g.numeric) {
    return {
      kind: 'numeric',
      ...(g.numeric.relTol !== undefined ? { relTol: g.numeric.relTol } : {}),
      ...(g.numeric.absTol !== undefined ? { absTol: g.numeric.absTol } : {}),
    };
  }
  if (g.regex) return { kind: 'regex', pattern: g.regex.pattern };
  if (g.format) return { kind: 'format' };
  if (g.weighted) {
    return {
      kind: 'weighted',
      parts: g.weighted.parts.map((p) => ({ weight: p.weight, grader: toGraderSpec(p.grader, depth + 1) })),
    };
  }
  throw new JobSpecError('grader: no grader kind set');
}

/** Validation is on only with a validation dataset and a cadence. */
function validationInput(spec: JobSpec): NonNullable<AlgorithmConfigInput['validation']> {
  const v = need(spec.validation, 'validation');
  const every = spec.validationDataset ? need(v.everyNSteps, 'validation.every_n_steps') : 0;
  const k = need(v.k, 'validation.k');
  return {
    everySteps: every,
    atEnd: every > 0,
    temperature: need(v.temperature, 'validation.temperature'),
    samplesPerPrompt: k,
    passK: k === 1 ? [1] : [1, k],
    maxPrompts: need(v.maxPrompts, 'validation.max_prompts'),
  };
}

/** The controller of libs/aepo for the spec's rule. */
function controllerInput(
  c: ControllerConfig,
): NonNullable<NonNullable<AlgorithmConfigInput['aepo']>['controller']> {
  const integralGain = need(c.integralGain, 'aepo.controller.integral_gain');
  const mode = CONTROLLER_MODES[c.kind];
  if (!mode) throw new JobSpecError(`aepo.controller.kind: unsupported ${String(c.kind)}`);
  return {
    mode: mode === 'proportional' && integralGain > 0 ? 'pi' : mode,
    actuator: c.variable === ControlVariable.CONTROL_VARIABLE_SHARE ? 'share' : 'temperature',
    kp: need(c.proportionalGain, 'aepo.controller.proportional_gain'),
    ki: integralGain,
    coefGain: need(c.entropyCoefGain, 'aepo.controller.entropy_coef_gain'),
    coefMaxStep: need(c.entropyCoefMaxStep, 'aepo.controller.entropy_coef_max_step'),
    coefLimit: need(c.entropyCoefLimit, 'aepo.controller.entropy_coef_limit'),
    coefDeadband: need(c.entropyCoefDeadband, 'aepo.controller.entropy_coef_deadband'),
  };
}

/** libs/aepo's config input of a stored spec: every value the spec carries, none defaulted. */
export function toAlgorithmConfigInput(spec: JobSpec): AlgorithmConfigInput {
  const algorithm = ALGORITHMS[spec.algorithm];
  if (!algorithm) throw new JobSpecError(`algorithm: unsupported ${String(spec.algorithm)}`);
  const r = need(spec.rollout, 'rollout');
  const o = need(spec.optimization, 'optimization');
  const a = need(spec.aepo, 'aepo');
  const n = need(r.samplesPerPrompt, 'rollout.samples_per_prompt');
  const aggregation = AGGREGATIONS[o.lossAggregation];
  if (!aggregation)
    throw new JobSpecError(`optimization.loss_aggregation: unsupported ${String(o.lossAggregation)}`);
  return {
    algorithm,
    seed: need(o.seed, 'optimization.seed'),
    maxSteps: need(o.maxSteps, 'optimization.max_steps'),
    rollout: {
      promptsPerStep: need(r.promptsPerStep, 'rollout.prompts_per_step'),
      samplesPerPrompt: n,
      maxTokens: need(r.maxTokens, 'rollout.max_tokens'),
      topP: need(r.topP, 'rollout.top_p'),
      temperature: need(r.temperature, 'rollout.temperature'),
      stop: r.stop,
    },
    optim: {
      lr: need(o.learningRate, 'optimization.learning_rate'),
      weightDecay: need(o.weightDecay, 'optimization.weight_decay'),
      gradClip: need(o.gradClip, 'optimization.grad_clip'),
      clipLow: need(o.clipRatioLow, 'optimization.clip_ratio_low'),
      clipHigh: need(o.clipRatioHigh, 'optimization.clip_ratio_high'),
      dualClip: need(o.dualClip, 'optimization.dual_clip'),
      lossAggregation: aggregation,
      klCoef: need(o.klCoef, 'optimization.kl_coef'),
      // The API stores mini_batch_prompts <= prompts_per_step (clamped default, validated value).
      miniBatchSize: need(o.miniBatchPrompts, 'optimization.mini_batch_prompts') * n,
      epochs: need(o.epochsPerRollout, 'optimization.epochs_per_rollout'),
    },
    aepo: {
      tHigh: need(a.tHigh, 'aepo.t_high'),
      tLow: need(a.tLow, 'aepo.t_low'),
      resampleFraction: need(a.resampleFraction, 'aepo.resample_fraction'),
      positiveThreshold: need(a.positiveThreshold, 'aepo.positive_threshold'),
      halveAboveTarget: need(a.halveAboveTarget, 'aepo.halve_above_target'),
      share:
        a.reinforceFraction !== undefined
          ? { kind: 'fraction', fraction: a.reinforceFraction }
          : { kind: 'count', count: need(a.reinforceCount, 'aepo.reinforce_count') },
      controller: controllerInput(need(a.controller, 'aepo.controller')),
    },
    entropy: toEntropyConfig(need(spec.entropyTarget, 'entropy_target')),
    entropyRegCoef: need(spec.entropyReg?.coef, 'entropy_reg.coef'),
    entropyAdvAlpha: need(spec.entropyAdv?.alpha, 'entropy_adv.alpha'),
    entropyAdvKappa: need(spec.entropyAdv?.kappa, 'entropy_adv.kappa'),
    validation: validationInput(spec),
  };
}

/**
 * The resolved config of a spec, optionally with a newer entropy target.
 * @throws JobSpecError naming every problem
 */
export function toAlgorithmConfig(spec: JobSpec, target?: EntropyTarget): AlgorithmConfig {
  const input = toAlgorithmConfigInput(target ? { ...spec, entropyTarget: target } : spec);
  try {
    return resolveConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) throw new JobSpecError(e.message);
    throw e;
  }
}

/** Checkpoint cadence of a spec. */
export function checkpointEvery(spec: JobSpec): number {
  return need(spec.checkpoint?.everyNSteps, 'checkpoint.every_n_steps');
}

export function checkpointKeepLast(spec: JobSpec): number {
  return need(spec.checkpoint?.keepLast, 'checkpoint.keep_last');
}

const PRECISIONS: Partial<Record<Precision, string>> = {
  [Precision.PRECISION_UNSPECIFIED]: '',
  [Precision.PRECISION_FP32]: 'fp32',
  [Precision.PRECISION_BF16_MIXED]: 'bf16-mixed',
  [Precision.PRECISION_BF16_PURE]: 'bf16-pure',
};

/** JobSpec.model and the AdamW settings as the engine's Load options. */
export function toEngineModelOptions(spec: JobSpec): EngineModelOptions {
  const m = need(spec.model, 'model');
  const o = need(spec.optimization, 'optimization');
  const precision = PRECISIONS[m.precision];
  if (precision === undefined) throw new JobSpecError(`model.precision: unsupported ${String(m.precision)}`);
  const a = m.adapter;
  return {
    precision,
    maxTokensPerMicroBatch: need(m.maxTokensPerMicroBatch, 'model.max_tokens_per_micro_batch'),
    // Unset in the stored spec on purpose: the engine decides by the model's size.
    ...(m.gradientCheckpointing !== undefined ? { gradientCheckpointing: m.gradientCheckpointing } : {}),
    chatTemplate: need(m.chatTemplate, 'model.chat_template'),
    adam: {
      beta1: need(o.adamBeta1, 'optimization.adam_beta1'),
      beta2: need(o.adamBeta2, 'optimization.adam_beta2'),
      eps: need(o.adamEps, 'optimization.adam_eps'),
    },
    ...(a
      ? {
          lora: {
            rank: a.rank,
            alpha: need(a.alpha, 'model.adapter.alpha'),
            dropout: need(a.dropout, 'model.adapter.dropout'),
            targetModules: [...a.targetModules],
          },
        }
      : {}),
  };
}

/** Whether the job's final checkpoint also holds the merged model (LoRA with export_merged). */
export function exportsMergedModel(spec: JobSpec): boolean {
  const adapter = spec.model?.adapter;
  return adapter ? need(adapter.exportMerged, 'model.adapter.export_merged') : false;
}
