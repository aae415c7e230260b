/** libs/aepo's records as the protocol's aepo.v1 records. */
import type { EvaluationRecord as AepoEvaluation, StepRecord as AepoStep } from '@aepo/aepo';
import type { EvaluationRecord, StepRecord } from '@aepo/contracts';

const finite = (x: number | null | undefined): number =>
  x !== null && x !== undefined && Number.isFinite(x) ? x : 0;

export function toProtoStep(r: AepoStep, attempt: number, checkpointSeconds: number): StepRecord {
  return {
    step: r.step,
    attempt,
    // The API's `entropy` is the full-vocabulary entropy of the on-policy samples (the paper's H).
    entropy: finite(r.entropyFullVocab),
    entropySampled: finite(r.entropySampledToken),
    entropyTarget: finite(r.target),
    entropyTargetLower: finite(r.targetLower),
    entropyTargetUpper: finite(r.targetUpper),
    temperature: finite(r.temperature),
    reinforceCount: r.reinforceSamples,
    reinforceCandidates: r.reinforcePositives,
    rewardMean: finite(r.rewardMean),
    rewardStd: finite(r.rewardStd),
    accuracy: finite(r.accuracy),
    zeroVarianceGroupFraction: finite(r.zeroVarianceGroupFraction),
    responseLengthMean: finite(r.responseLengthMean),
    loss: finite(r.loss),
    clipFraction: finite(r.clipFractionLow) + finite(r.clipFractionHigh),
    // The engine does not report the dual-clip share separately.
    dualClipFraction: 0,
    kl: finite(r.approxKl),
    gradNorm: finite(r.gradNorm),
    generatedTokens: r.generatedTokens,
    trainedTokens: r.trainedTokens,
    sampleSeconds: finite(r.timings.sample),
    rewardSeconds: finite(r.timings.reward),
    trainSeconds: finite(r.timings.train),
    checkpointSeconds: finite(checkpointSeconds),
    stepSeconds: finite(r.timings.total) + finite(checkpointSeconds),
    targetUnreachable: r.targetUnreachable,
    learningRate: finite(r.lr),
    controllerError: finite(r.controllerError),
    reinforceShareScale: finite(r.shareScale),
    entropyCoef: finite(r.entropyCoef),
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
    accuracy: finite(e.accuracy),
    passAtK: finite(e.passAtK[String(k)]),
    k,
    temperature: finite(e.temperature),
    promptCount: e.prompts,
    // Rewards are scores in [0, 1]; libs/aepo reports the share of full-score samples.
    rewardMean: finite(e.accuracy),
    entropy: finite(e.entropy),
  };
}
