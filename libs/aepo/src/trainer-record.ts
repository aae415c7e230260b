import { isZeroVarianceGroup } from './advantages.js';
import type { AlgorithmConfig, EntropyEstimator } from './config.js';
import type { ControllerDecision } from './controller.js';
import type { Completion, TrainResult } from './ports.js';
import type { ReachState } from './reach.js';
import type { StepRecord } from './records.js';
import type { StepBatch } from './trainer-batch.js';
import { mean, tokenMean } from './trainer-stats.js';

/** A step's entropy over its on-policy (T=1) samples: both estimates and the controller's signal. */
export interface StepEntropy {
  /** The estimate the configuration names: what the controller and the band read. */
  value: number;
  fullVocab: number;
  sampledToken: number;
}

export function measureEntropy(onPolicy: readonly Completion[], estimator: EntropyEstimator): StepEntropy {
  const fullVocab = tokenMean(onPolicy, (c) => c.entropy);
  const sampledToken = tokenMean(onPolicy, (c) => c.negLogProb);
  return { value: estimator === 'full-vocabulary' ? fullVocab : sampledToken, fullVocab, sampledToken };
}

/** What a step observed, for its record. */
export interface StepObservations {
  config: AlgorithmConfig;
  step: number;
  epoch: number;
  target: number;
  band: { lower: number; upper: number };
  /** The controller's decision (AEPO); null for the baselines. */
  decision: ControllerDecision | null;
  resampledPrompts: number;
  batch: StepBatch;
  /** Every sampled group: the B on-policy ones first, then the re-sampled ones. */
  groups: readonly Completion[][];
  /** The rewards of the B on-policy groups. */
  onPolicyRewards: readonly number[][];
  entropy: StepEntropy;
  accuracy: number;
  trained: TrainResult;
  timings: StepRecord['timings'];
  /** The unreachable-target detector after this step. */
  reach: ReachState;
}

export function buildStepRecord(o: StepObservations): StepRecord {
  const { config: cfg, decision, batch, trained, reach } = o;
  const onPolicy = o.groups.slice(0, cfg.rollout.promptsPerStep).flat();
  const scores = o.onPolicyRewards.flat();
  const rewardMean = mean(scores);
  return {
    step: o.step,
    epoch: o.epoch,
    algorithm: cfg.algorithm,
    entropy: o.entropy.value,
    estimator: cfg.entropy.estimator,
    entropyFullVocab: o.entropy.fullVocab,
    entropySampledToken: o.entropy.sampledToken,
    trainEntropy: trained.entropy,
    trainEntropySampled: trained.entropySampled,
    target: o.target,
    targetLower: o.band.lower,
    targetUpper: o.band.upper,
    inBand: o.entropy.value >= o.band.lower && o.entropy.value <= o.band.upper,
    temperature: decision ? decision.temperature : null,
    controllerError: decision ? decision.error : null,
    shareScale: decision ? decision.shareScale : null,
    entropyCoef: decision ? decision.entropyCoef : cfg.algorithm === 'entropy-reg' ? cfg.entropyRegCoef : 0,
    entropyClosing: decision ? decision.closing : null,
    resampledPrompts: o.resampledPrompts,
    reinforcePositives: batch.positives,
    reinforceLimit: batch.limit,
    reinforceSamples: batch.k,
    resampleAccuracy: batch.resampleAccuracy,
    rewardMean,
    rewardStd: Math.sqrt(mean(scores.map((r) => (r - rewardMean) ** 2))),
    accuracy: o.accuracy,
    zeroVarianceGroupFraction:
      o.onPolicyRewards.filter(isZeroVarianceGroup).length / cfg.rollout.promptsPerStep,
    responseLengthMean: mean(onPolicy.map((c) => c.tokens)),
    truncatedFraction: onPolicy.filter((c) => c.finishReason === 'length').length / onPolicy.length,
    loss: trained.policyLoss,
    clipFractionLow: trained.clipFractionLow,
    clipFractionHigh: trained.clipFractionHigh,
    clipFractionDual: trained.clipFractionDual,
    approxKl: trained.approxKl,
    kl: trained.kl,
    gradNorm: trained.gradNorm,
    lr: trained.lr,
    generatedTokens: o.groups.flat().reduce((a, c) => a + c.tokens, 0),
    trainedTokens: trained.tokens,
    timings: o.timings,
    targetUnreachable: reach.reason !== null,
    unreachableSide: reach.side,
    unreachableReason: reach.reason,
    missedSteps: reach.missedSteps,
  };
}
