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
  [Algorithm.ALGORITHM_UNSPECIFIED]: 'aepo',
  [Algorithm.ALGORITHM_AEPO]: 'aepo',
  [Algorithm.ALGORITHM_GRPO]: 'grpo',
  [Algorithm.ALGORITHM_ENTROPY_REG]: 'entropy-reg',
  [Algorithm.ALGORITHM_ENTROPY_ADV]: 'entropy-adv',
};

const AGGREGATIONS: Partial<Record<LossAggregation, AepoLossAggregation>> = {
  [LossAggregation.LOSS_AGGREGATION_UNSPECIFIED]: 'token-mean',
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

/** The entropy part of the config: schedule, absolute band, estimator. */
export function toEntropyConfig(t: EntropyTarget | undefined): NonNullable<AlgorithmConfigInput['entropy']> {
  if (!t) return {};
  const target: TargetSchedule =
    t.schedule !== undefined ? toTargetSchedule(t.schedule) : { kind: 'constant', value: t.constant ?? 0 };
  const estimator: EntropyEstimator =
    t.estimator === ProtoEstimator.ENTROPY_ESTIMATOR_SAMPLED_TOKEN ? 'sampled-token' : 'full-vocabulary';
  // The API's tolerance is an absolute half-width.
  return { target, estimator, bandRelative: 0, bandAbsolute: t.tolerance ?? 0.05 };
}

/** The grader of a spec in @aepo/rewards' terms (math when unset). */
export function toGraderSpec(g: ProtoGraderSpec | undefined, depth = 0): GraderSpec {
  if (depth > 4) throw new JobSpecError('grader: weighted graders nested too deep');
  if (!g || g.math) return { kind: 'math' };
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
  return { kind: 'math' };
}

/** Validation is on only with a validation dataset and a cadence. */
function validationInput(spec: JobSpec): NonNullable<AlgorithmConfigInput['validation']> {
  const v = spec.validation;
  const every = spec.validationDatasetId ? (v?.everyNSteps ?? 0) : 0;
  const k = Math.max(1, v?.k ?? 1);
  return {
    everySteps: every,
    atEnd: every > 0,
    temperature: v?.temperature ?? 1,
    samplesPerPrompt: k,
    passK: k === 1 ? [1] : [1, k],
    maxPrompts: v?.maxPrompts ?? 0,
  };
}

/** libs/aepo's config input of a stored spec. */
export function toAlgorithmConfigInput(spec: JobSpec): AlgorithmConfigInput {
  const algorithm = ALGORITHMS[spec.algorithm];
  if (!algorithm) throw new JobSpecError(`algorithm: unsupported ${String(spec.algorithm)}`);
  const r = spec.rollout;
  const o = spec.optimization;
  const a = spec.aepo;
  const n = r?.samplesPerPrompt ?? 5;
  const B = r?.promptsPerStep ?? 512;
  const ctl = a?.controller;
  const proportional = ctl?.kind === ControllerKind.CONTROLLER_KIND_PROPORTIONAL;
  const dual = ctl?.kind === ControllerKind.CONTROLLER_KIND_DUAL;
  const aggregation = AGGREGATIONS[o?.lossAggregation ?? LossAggregation.LOSS_AGGREGATION_UNSPECIFIED];
  if (!aggregation)
    throw new JobSpecError(`optimization.loss_aggregation: unsupported ${String(o?.lossAggregation)}`);
  return {
    algorithm,
    seed: o?.seed ?? 0,
    maxSteps: o?.maxSteps ?? 100,
    rollout: {
      promptsPerStep: B,
      samplesPerPrompt: n,
      ...(r?.maxTokens !== undefined ? { maxTokens: r.maxTokens } : {}),
      ...(r?.topP !== undefined ? { topP: r.topP } : {}),
      stop: r?.stop ?? [],
    },
    optim: {
      ...(o?.learningRate !== undefined ? { lr: o.learningRate } : {}),
      ...(o?.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
      ...(o?.gradClip !== undefined ? { gradClip: o.gradClip } : {}),
      ...(o?.clipRatioLow !== undefined ? { clipLow: o.clipRatioLow } : {}),
      ...(o?.clipRatioHigh !== undefined ? { clipHigh: o.clipRatioHigh } : {}),
      ...(o?.dualClip !== undefined ? { dualClip: o.dualClip } : {}),
      lossAggregation: aggregation,
      ...(o?.klCoef !== undefined ? { klCoef: o.klCoef } : {}),
      miniBatchSize: Math.min(o?.miniBatchPrompts ?? 128, B) * n,
      ...(o?.epochsPerRollout !== undefined ? { epochs: o.epochsPerRollout } : {}),
    },
    aepo: {
      ...(a?.tHigh !== undefined ? { tHigh: a.tHigh } : {}),
      ...(a?.tLow !== undefined ? { tLow: a.tLow } : {}),
      ...(a?.resampleFraction !== undefined ? { resampleFraction: a.resampleFraction } : {}),
      ...(a?.positiveThreshold !== undefined ? { positiveThreshold: a.positiveThreshold } : {}),
      ...(a?.halveAboveTarget !== undefined ? { halveAboveTarget: a.halveAboveTarget } : {}),
      share:
        a?.reinforceFraction !== undefined
          ? { kind: 'fraction', fraction: a.reinforceFraction }
          : { kind: 'count', count: a?.reinforceCount ?? 60 },
      controller: {
        mode: dual
          ? 'dual'
          : proportional
            ? (ctl?.integralGain ?? 0) > 0
              ? 'pi'
              : 'proportional'
            : 'bang-bang',
        actuator: ctl?.variable === ControlVariable.CONTROL_VARIABLE_SHARE ? 'share' : 'temperature',
        ...(ctl?.proportionalGain !== undefined ? { kp: ctl.proportionalGain } : {}),
        ...(ctl?.integralGain !== undefined ? { ki: ctl.integralGain } : {}),
        ...(ctl?.entropyCoefGain !== undefined ? { coefGain: ctl.entropyCoefGain } : {}),
        ...(ctl?.entropyCoefMaxStep !== undefined ? { coefMaxStep: ctl.entropyCoefMaxStep } : {}),
        ...(ctl?.entropyCoefLimit !== undefined ? { coefLimit: ctl.entropyCoefLimit } : {}),
        ...(ctl?.entropyCoefDeadband !== undefined ? { coefDeadband: ctl.entropyCoefDeadband } : {}),
      },
    },
    entropy: toEntropyConfig(spec.entropyTarget),
    ...(spec.entropyReg?.coef !== undefined ? { entropyRegCoef: spec.entropyReg.coef } : {}),
    ...(spec.entropyAdv?.alpha !== undefined ? { entropyAdvAlpha: spec.entropyAdv.alpha } : {}),
    ...(spec.entropyAdv?.kappa !== undefined ? { entropyAdvKappa: spec.entropyAdv.kappa } : {}),
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
  return Math.max(1, spec.checkpoint?.everyNSteps ?? 50);
}

export function checkpointKeepLast(spec: JobSpec): number {
  return Math.max(1, spec.checkpoint?.keepLast ?? 3);
}

const PRECISIONS: Partial<Record<Precision, string>> = {
  [Precision.PRECISION_UNSPECIFIED]: '',
  [Precision.PRECISION_FP32]: 'fp32',
  [Precision.PRECISION_BF16_MIXED]: 'bf16-mixed',
  [Precision.PRECISION_BF16_PURE]: 'bf16-pure',
};

/** JobSpec.model as the engine's Load options (unset fields: the engine's defaults). */
export function toEngineModelOptions(spec: JobSpec): EngineModelOptions {
  const m = spec.model;
  const precision = PRECISIONS[m?.precision ?? Precision.PRECISION_UNSPECIFIED];
  if (precision === undefined) throw new JobSpecError(`model.precision: unsupported ${String(m?.precision)}`);
  const a = m?.adapter;
  return {
    precision,
    maxTokensPerMicroBatch: m?.maxTokensPerMicroBatch ?? 0,
    ...(m?.gradientCheckpointing !== undefined ? { gradientCheckpointing: m.gradientCheckpointing } : {}),
    chatTemplate: m?.chatTemplate ?? false,
    ...(a
      ? {
          lora: {
            rank: a.rank,
            alpha: a.alpha ?? 2 * a.rank,
            dropout: a.dropout ?? 0,
            targetModules: [...a.targetModules],
          },
        }
      : {}),
  };
}

/** Whether the job's final checkpoint also holds the merged model (LoRA with export_merged). */
export function exportsMergedModel(spec: JobSpec): boolean {
  return spec.model?.adapter?.exportMerged ?? false;
}
