/** libs/aepo's records as the protocol's aepo.v1 records. */
import type { EvaluationRecord as AepoEvaluation, StepRecord as AepoStep } from '@aepo/aepo';
import type { EvaluationRecord, StepRecord } from '@aepo/contracts';

// Numbers go out as they are: NaN or an infinity (a diverging loss) must not look like 0, and proto
// doubles carry them. Only fields the protocol documents as "0 when none" turn an absent value into 0.

/** `nonFiniteUpdates`: optimizer steps the engine skipped for a non-finite loss or gradient norm. */
export function toProtoStep(
  r: AepoStep,
  attempt: number,
  checkpointSeconds: number,
  nonFiniteUpdates = 0,
): StepRecord {
  return {
    step: r.step,
    attempt,
    // The API's `entropy` is the full-vocabulary entropy of the on-policy samples (the paper's H).
    entropy: r.entropyFullVocab,
    entropySampled: r.entropySampledToken,
    entropyTarget: r.target,
    entropyTargetLower: r.targetLower,
    entropyTargetUpper: r.targetUpper,
    // 0 when no re-samples (documented in record.proto).
    temperature: r.temperature ?? 0,
    reinforceCount: r.reinforceSamples,
    reinforceCandidates: r.reinforcePositives,
    rewardMean: r.rewardMean,
    rewardStd: r.rewardStd,
    accuracy: r.accuracy,
    zeroVarianceGroupFraction: r.zeroVarianceGroupFraction,
    responseLengthMean: r.responseLengthMean,
    loss: r.loss,
    clipFraction: r.clipFractionLow + r.clipFractionHigh,
    dualClipFraction: r.clipFractionDual,
    kl: r.kl,
    approxKl: r.approxKl,
    gradNorm: r.gradNorm,
    generatedTokens: r.generatedTokens,
    trainedTokens: r.trainedTokens,
    sampleSeconds: r.timings.sample,
    rewardSeconds: r.timings.reward,
    trainSeconds: r.timings.train,
    checkpointSeconds: checkpointSeconds,
    stepSeconds: r.timings.total + checkpointSeconds,
    targetUnreachable: r.targetUnreachable,
    learningRate: r.lr,
    nonFiniteUpdates,
    // Controller state: 0 / 1 when the step had none (first step, baselines), as record.proto says.
    controllerError: r.controllerError ?? 0,
    reinforceShareScale: r.shareScale ?? 1,
    entropyCoef: r.entropyCoef,
    entropyClosing: r.entropyClosing ?? false,
    unreachableReason: r.unreachableReason ?? '',
  };
}

export function toProtoEvaluation(e: AepoEvaluation, attempt: number): EvaluationRecord {
  const ks = Object.keys(e.passAtK).map(Number);
  const k = ks.length > 0 ? Math.max(...ks) : 1;
  return {
    step: e.step,
    attempt,
    accuracy: e.accuracy,
    passAtK: e.passAtK[String(k)] ?? Number.NaN,
    k,
    temperature: e.temperature,
    promptCount: e.prompts,
    // Rewards are scores in [0, 1]; libs/aepo reports the share of full-score samples.
    rewardMean: e.accuracy,
    entropy: e.entropy,
  };
}
