/** What the trainer emits: one StepRecord per step, EvaluationRecords on validation, events. */
import type { Algorithm, EntropyEstimator } from './config.js';
import type { UnreachableReason } from './reach.js';
import type { TargetSchedule } from './schedule.js';

/** Every number of one training step a user would plot. Entropies are nats/token at T=1. */
export interface StepRecord {
  /** 1-based step number. */
  step: number;
  /** Sampler epoch the step's prompts came from (the epoch of its last prompt). */
  epoch: number;
  algorithm: Algorithm;

  /** The controller's signal: `entropyFullVocab` or `entropySampledToken` per `estimator`. */
  entropy: number;
  estimator: EntropyEstimator;
  /** Full-vocabulary entropy, token mean over the step's on-policy (T=1) samples, before the update. */
  entropyFullVocab: number;
  /** Sampled-token estimate (-log pi of sampled tokens), same samples. */
  entropySampledToken: number;
  /** Full-vocabulary entropy of the mixed training batch as the engine measured it before updating. */
  trainEntropy: number;
  trainEntropySampled: number;

  /** H* at this step and its tolerance band; `inBand` compares `entropy` with it. */
  target: number;
  targetLower: number;
  targetUpper: number;
  inBand: boolean;

  /** Re-sample temperature the controller chose (AEPO); null for the baselines. */
  temperature: number | null;
  /** Relative error (H* - H_prev) / H* the controller acted on; null on the first step or baselines. */
  controllerError: number | null;
  /** Share multiplier in [0, 1] chosen by the controller (1 for bang-bang); null for baselines. */
  shareScale: number | null;
  /**
   * Coefficient lambda of the entropy term in this step's loss (loss = pg_loss - lambda * H): the
   * 'dual' controller's second actuator (signed), Entropy-Reg's fixed coefficient, 0 otherwise.
   */
  entropyCoef: number;
  /**
   * The entropy was closing on H* on its own, so the 'dual' controller held lambda and the step did
   * not count toward an unreachable target; null for the baselines.
   */
  entropyClosing: boolean | null;
  /** Prompts re-sampled at `temperature`. */
  resampledPrompts: number;
  /** Positive re-samples available, the share limit and the REINFORCE samples actually used (k). */
  reinforcePositives: number;
  reinforceLimit: number;
  reinforceSamples: number;
  /** Accuracy of the re-samples (fraction with full reward); null when none were drawn. */
  resampleAccuracy: number | null;

  /** Over the on-policy samples: reward mean and (population) std, fraction with full reward. */
  rewardMean: number;
  rewardStd: number;
  accuracy: number;
  /** Fraction of prompt groups whose rewards are all equal (GRPO advantage 0). */
  zeroVarianceGroupFraction: number;
  /** Mean response length in tokens, and the fraction cut by max tokens. */
  responseLengthMean: number;
  truncatedFraction: number;

  /** From the engine's Train. */
  loss: number;
  clipFractionLow: number;
  clipFractionHigh: number;
  clipFractionDual: number;
  /** Approximate KL(old || new) of this step's update. */
  approxKl: number;
  /** KL to the reference model; 0 without a KL penalty. */
  kl: number;
  gradNorm: number;
  lr: number;
  /** Tokens sampled this step (main + re-samples) and tokens trained on. */
  generatedTokens: number;
  trainedTokens: number;
  /** Seconds per phase, measured by the trainer's clock (engine time included). */
  timings: { sample: number; reward: number; train: number; total: number };

  /** True while the target is reported out of reach (see EntropyConfig.unreachableAfterSteps). */
  targetUnreachable: boolean;
  /** Which side the entropy is stuck on when unreachable ('below': cannot raise it). */
  unreachableSide: 'below' | 'above' | null;
  /** Why the target is reported unreachable (reach.ts); null while it is not. */
  unreachableReason: UnreachableReason | null;
  /** Consecutive steps outside the band with the controller at its limit, not closing on the target. */
  missedSteps: number;
}

/** One validation pass (the paper's evaluation: pass@1 and unbiased pass@k). */
export interface EvaluationRecord {
  /** Training steps completed when it ran (0 = before training). */
  step: number;
  temperature: number;
  prompts: number;
  samplesPerPrompt: number;
  /** pass@1: mean accuracy over all samples. */
  accuracy: number;
  /** Unbiased pass@k per configured k, keyed by k. */
  passAtK: Record<string, number>;
  /** Token-mean full-vocabulary entropy of the validation samples. */
  entropy: number;
  responseLengthMean: number;
  seconds: number;
}

export type TrainerEvent =
  | {
      kind: 'target-unreachable';
      step: number;
      target: number;
      entropy: number;
      side: 'below' | 'above';
      reason: UnreachableReason;
      message: string;
    }
  | { kind: 'target-reachable'; step: number; target: number; entropy: number; message: string }
  | { kind: 'target-changed'; step: number; fromStep: number; schedule: TargetSchedule; message: string };
