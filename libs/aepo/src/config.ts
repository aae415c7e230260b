/**
 * The algorithm configuration of a job: typed, validated once, deeply frozen. Every default is the
 * AEPO reference value (arXiv 2510.08141, github 597358816/AEPO, Qwen2.5-Math-7B on 8 GPUs) unless its
 * comment says otherwise; see /docs and AEPO.md for where each comes from.
 */
import { SPEC_DEFAULTS as S } from '@aepo/contracts/spec-defaults';
import { validateConfig } from './config-validation.js';
import { DEFAULT_FOLLOW, type FollowSettings } from './retarget.js';
import { type TargetSchedule } from './schedule.js';

/** Supported algorithms; anything else is rejected with this list. */
export const ALGORITHMS = ['aepo', 'grpo', 'entropy-reg', 'entropy-adv'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const CONTROLLER_MODES = ['bang-bang', 'proportional', 'pi', 'dual'] as const;
export type ControllerMode = (typeof CONTROLLER_MODES)[number];

export const CONTROLLER_ACTUATORS = ['temperature', 'share'] as const;
export type ControllerActuator = (typeof CONTROLLER_ACTUATORS)[number];

export const ENTROPY_ESTIMATORS = ['full-vocabulary', 'sampled-token'] as const;
/**
 * Which per-token entropy the controller reads, always from the step's on-policy T=1 samples:
 * 'full-vocabulary' = logsumexp(z) - sum softmax(z) z (exact entropy of the next-token distribution);
 * 'sampled-token' = -log pi(sampled token) (the reference code's unbiased but noisier estimate).
 */
export type EntropyEstimator = (typeof ENTROPY_ESTIMATORS)[number];

export const LOSS_AGGREGATIONS = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum'] as const;
export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

/** The REINFORCE share: an explicit number of samples, or a fraction of the training batch. */
export type ReinforceShare = { kind: 'count'; count: number } | { kind: 'fraction'; fraction: number };

export interface RolloutConfig {
  /** Prompts drawn per step, B. Default 512 (reference). */
  readonly promptsPerStep: number;
  /** Completions per prompt, n (the GRPO group size). Default 5 (reference). */
  readonly samplesPerPrompt: number;
  /** Max new tokens per completion. Default 2048 (reference). */
  readonly maxTokens: number;
  /** Nucleus sampling for every sample call. Default 0.99 (reference). */
  readonly topP: number;
  /** Temperature of the on-policy samples (the controller reads their entropy). Default 1.0. */
  readonly temperature: number;
  /** Stop strings passed to the engine. Default none (EOS ends a completion). */
  readonly stop: readonly string[];
}

export interface OptimConfig {
  /** AdamW learning rate, applied when the engine loads the model. Default 1e-6 (reference). */
  readonly lr: number;
  /** AdamW weight decay. Default 0.01 (reference). */
  readonly weightDecay: number;
  /** Gradient-norm clip. Default 1.0 (reference). */
  readonly gradClip: number;
  /** PPO clip ratios, lower and upper. Default 0.2 / 0.2 (reference). */
  readonly clipLow: number;
  readonly clipHigh: number;
  /** Dual-clip constant c for negative advantages. Default 3.0 (reference). */
  readonly dualClip: number;
  /** Loss aggregation over tokens. Default token-mean (reference). */
  readonly lossAggregation: LossAggregation;
  /** KL coefficient to the frozen initial policy; 0 keeps no reference copy. Default 0 (AEPO run). */
  readonly klCoef: number;
  /**
   * Sequences per optimizer step. Default 640 = 128 prompts x 5 samples (reference: 4 optimizer
   * steps per rollout of 512 prompts).
   */
  readonly miniBatchSize: number;
  /** Sequences per forward/backward pass (gradient accumulation); 0 = the whole mini-batch. Default 0. */
  readonly microBatchSize: number;
  /** Passes over each rollout batch. Default 1 (reference). */
  readonly epochs: number;
}

export interface ControllerConfig {
  /**
   * 'bang-bang' (reference): T = T_high when H <= H*, else T_low, full share (halved above target).
   * 'proportional' / 'pi': u = kp * e + ki * sum(e), e = (H* - H) / H* (relative error, so gains do
   * not depend on the entropy scale). On 'temperature': T = clamp(tCenter + u, T_low, T_high), full
   * share. On 'share': T = T_high when u >= 0 else T_low, share scaled by min(1, |u|).
   * 'dual': the reference rule on temperature and share, plus a second actuator, a signed
   * entropy-loss coefficient lambda (loss = pg_loss - lambda * H) driven as a dual variable by the
   * tracking error, for targets the first cannot reach alone (entropy-coef.ts).
   * Default 'dual': the reference rule alone saturates away from where GRPO rests (docs/results);
   * 'bang-bang' reproduces the paper exactly.
   */
  readonly mode: ControllerMode;
  /** What the proportional/PI rule moves. Default temperature. */
  readonly actuator: ControllerActuator;
  /** Proportional gain on the relative error. Default: the spec's (1.0; 2 saturates T at 10% error). */
  readonly kp: number;
  /** Integral gain (mode 'pi' only). Default: the spec's (0, a pure P controller). */
  readonly ki: number;
  /** Anti-windup: |sum(e)| is clamped here. Default 2. */
  readonly integralLimit: number;
  /** Temperature at zero error for the temperature actuator. Default 1.0 (on-policy). */
  readonly tCenter: number;
  /**
   * 'dual' only: lambda grows by coefGain x (relative error beyond coefDeadband) per step while the
   * entropy is not already closing on the target. Default 0.02 (lambda 0.08 in 50 steps at 10% error;
   * 0.004 left a 4.6% bias at H* 0.4 on tiny-arith, docs/benchmarks.md).
   */
  readonly coefGain: number;
  /** 'dual' only: rate limit, most |change of lambda| per step. Default 0.002. */
  readonly coefMaxStep: number;
  /** 'dual' only: clip, |lambda| <= coefLimit (anti-windup: no integration past it). Default 0.2
   * (0.1 was reached holding 0.5 H0 on tiny-arith). */
  readonly coefLimit: number;
  /** 'dual' only: relative errors within this do not move lambda. Default 0.02. */
  readonly coefDeadband: number;
  /**
   * The entropy counts as closing on the target while its smoothed trend moves toward H* by at least
   * this fraction of H* per step: then 'dual' holds lambda (the plant or the first actuator is getting
   * there: no windup during the initial descent) and no step counts toward an unreachable target.
   * Default 0.001.
   */
  readonly minProgress: number;
  /** 'dual' only: the fast law that follows a set-point change (retarget.ts; defaults DEFAULT_FOLLOW). */
  readonly follow: FollowSettings;
}

export interface AepoConfig {
  /** Re-sample temperature below target. Default 1.2 (reference). */
  readonly tHigh: number;
  /** Re-sample temperature above target. Default 0.8 (reference). */
  readonly tLow: number;
  /** Fraction of the step's prompts re-sampled at the chosen temperature. Default 0.25 (reference B/4). */
  readonly resampleFraction: number;
  /** Re-samples whose group advantage exceeds this are positives (advantage set to 1). Default 0.05. */
  readonly positiveThreshold: number;
  /** How many REINFORCE samples may replace batch items. Default count 60 (reference). */
  readonly share: ReinforceShare;
  /** Halve the share when H > H* (reference behaviour). Default true. Ignored by the share actuator. */
  readonly halveAboveTarget: boolean;
  readonly controller: ControllerConfig;
}

export interface EntropyConfig {
  /** H* over steps. Default constant 0.75 (the paper's best target, on its estimator's scale). */
  readonly target: TargetSchedule;
  /** Tolerance band: H* +- max(relative * H*, absolute). Default: the spec's 0.05 absolute, 0 relative. */
  readonly bandRelative: number;
  readonly bandAbsolute: number;
  /** Controller signal; see EntropyEstimator. Default full-vocabulary (less noisy, AEPO.md). */
  readonly estimator: EntropyEstimator;
  /**
   * Steps in a row outside the band while every actuator is already at its limit (highest
   * temperature and share, and in 'dual' mode the largest entropy coefficient, when below; lowest
   * when above) and the entropy is not closing on the target, before the target is reported
   * unreachable ('actuator-saturated', reach.ts). Default 20. 0 turns detection off.
   */
  readonly unreachableAfterSteps: number;
  /**
   * A target is also reported unreachable ('accuracy-cost') when the smoothed on-policy accuracy stays
   * this much (absolute) below its best of the run for unreachableAfterSteps steps. Default 0.1; 0 off.
   */
  readonly unreachableAccuracyDrop: number;
}

export interface ValidationConfig {
  /** Validate every N steps; 0 = never during training. Default 0. */
  readonly everySteps: number;
  /** Also validate after the last step (when a validation set exists). Default true. */
  readonly atEnd: boolean;
  /** Sampling temperature. Default 1.0 (this project's choice: the policy as trained). */
  readonly temperature: number;
  /** Samples per prompt, n for pass@k. Default: the spec's k (1). */
  readonly samplesPerPrompt: number;
  /** The k values of the unbiased pass@k estimator reported (each <= samplesPerPrompt). Default [k]. */
  readonly passK: readonly number[];
  /** Validate on at most this many prompts (the first ones of the set); 0 = all. Default 0. */
  readonly maxPrompts: number;
  /** Prompts per Sample call. Default 256. */
  readonly batchPrompts: number;
}

export interface AlgorithmConfig {
  /** Default aepo. */
  readonly algorithm: Algorithm;
  /** Base seed of every random choice (sampling, shuffles, dataset order). Default 0. */
  readonly seed: number;
  /** Training steps; 0 = derive from epochs. Default 0. */
  readonly maxSteps: number;
  /** Passes over the training set when maxSteps is 0. Default 1. */
  readonly epochs: number;
  readonly rollout: RolloutConfig;
  readonly optim: OptimConfig;
  readonly aepo: AepoConfig;
  readonly entropy: EntropyConfig;
  /** Entropy-Reg: loss = pg_loss - coef * H (full-vocabulary). Default 0.03 (reference). */
  readonly entropyRegCoef: number;
  /** Entropy-Adv (arXiv 2506.14758): A' = A + min(alpha * H_t, |A| / kappa). Defaults 0.4 / 2. */
  readonly entropyAdvAlpha: number;
  readonly entropyAdvKappa: number;
  /** GRPO std epsilon: A = (r - mean) / (std + eps). Default 1e-6 (reference). */
  readonly advantageEps: number;
  readonly validation: ValidationConfig;
}

type DeepPartial<T> = {
  -readonly [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};
/** What callers pass: any subset; unions (share, target) are replaced whole, not merged. */
export type AlgorithmConfigInput = DeepPartial<Omit<AlgorithmConfig, 'aepo' | 'entropy'>> & {
  aepo?: DeepPartial<Omit<AepoConfig, 'share'>> & { share?: ReinforceShare };
  entropy?: DeepPartial<Omit<EntropyConfig, 'target'>> & { target?: TargetSchedule };
};

/**
 * A full config for libs/aepo's own tests and experiments: every value the JobSpec carries comes from
 * the one defaults table (@aepo/contracts/spec-defaults, what the API stores), the rest are the
 * algorithm's own constants, which no spec field sets. A job never relies on it for a spec value:
 * the executor maps every field of the stored spec (job-spec.mapper.ts).
 */
export const DEFAULT_CONFIG: AlgorithmConfig = deepFreeze({
  algorithm: 'aepo',
  seed: 0,
  maxSteps: 0,
  epochs: 1,
  rollout: {
    promptsPerStep: S.promptsPerStep,
    samplesPerPrompt: S.samplesPerPrompt,
    maxTokens: S.maxTokens,
    topP: S.topP,
    temperature: S.temperature,
    stop: [],
  },
  optim: {
    lr: S.learningRate,
    weightDecay: S.weightDecay,
    gradClip: S.gradClip,
    clipLow: S.clipRatioLow,
    clipHigh: S.clipRatioHigh,
    dualClip: S.dualClip,
    lossAggregation: 'token-mean',
    klCoef: S.klCoef,
    miniBatchSize: S.miniBatchPrompts * S.samplesPerPrompt,
    microBatchSize: 0,
    epochs: S.epochsPerRollout,
  },
  aepo: {
    tHigh: S.tHigh,
    tLow: S.tLow,
    resampleFraction: S.resampleFraction,
    positiveThreshold: S.positiveThreshold,
    share: {
      kind: 'count',
      count: Math.round(S.promptsPerStep * S.samplesPerPrompt * S.reinforceShareOfBatch),
    },
    halveAboveTarget: S.halveAboveTarget,
    controller: {
      mode: 'dual',
      actuator: 'temperature',
      kp: S.proportionalGain,
      ki: S.integralGain,
      integralLimit: 2,
      tCenter: 1,
      coefGain: S.entropyCoefGain,
      coefMaxStep: S.entropyCoefMaxStep,
      coefLimit: S.entropyCoefLimit,
      coefDeadband: S.entropyCoefDeadband,
      minProgress: 0.001,
      follow: DEFAULT_FOLLOW,
    },
  },
  entropy: {
    target: { kind: 'constant', value: 0.75 },
    bandRelative: 0,
    bandAbsolute: S.tolerance,
    estimator: 'full-vocabulary',
    unreachableAfterSteps: 20,
    unreachableAccuracyDrop: 0.1,
  },
  entropyRegCoef: S.entropyRegCoef,
  entropyAdvAlpha: S.entropyAdvAlpha,
  entropyAdvKappa: S.entropyAdvKappa,
  advantageEps: 1e-6,
  validation: {
    everySteps: 0,
    atEnd: true,
    temperature: S.validationTemperature,
    samplesPerPrompt: S.validationK,
    passK: [S.validationK],
    maxPrompts: S.validationMaxPrompts,
    batchPrompts: 256,
  },
});

/** A config that failed validation; `problems` are `field: message` strings. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid algorithm config: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Defaults overlaid with the input; objects merge field by field, arrays and unions replace. */
function merge(base: unknown, over: unknown, path: string, unknownFields: string[]): unknown {
  if (over === undefined) return structuredClone(base);
  const replaceWhole = path === 'aepo.share' || path === 'entropy.target';
  if (!replaceWhole && isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(over)) {
      if (!(key in base)) unknownFields.push(path ? `${path}.${key}` : key);
    }
    for (const [key, b] of Object.entries(base))
      out[key] = merge(b, over[key], path ? `${path}.${key}` : key, unknownFields);
    return out;
  }
  return structuredClone(over);
}

/**
 * The defaults overlaid with `input`, validated and deeply frozen.
 * @throws ConfigError listing every problem (unknown fields included).
 */
export function resolveConfig(input: AlgorithmConfigInput = {}): AlgorithmConfig {
  const unknownFields: string[] = [];
  const merged = merge(DEFAULT_CONFIG, input, '', unknownFields) as AlgorithmConfig;
  const problems = [...unknownFields.map((f) => `${f}: unknown field`), ...validateConfig(merged)];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(merged);
}
