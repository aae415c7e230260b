/**
 * The stored spec: a caller's JobSpec with every unset knob filled from the one table
 * (spec-defaults.ts). The API applies it once, at CreateJob, and stores the result; nothing
 * downstream applies it again (executor tests use it to build the spec the API would store).
 */
import {
  Algorithm,
  ControlVariable,
  ControllerKind,
  EntropyEstimator,
  LossAggregation,
  Precision,
  type EntropyTarget,
  type ModelConfig,
  type GraderSpec,
  type JobSpec,
  type MlflowTracking,
} from './gen/aepo/v1/job.js';
import { randomInt } from 'node:crypto';
import { SPEC_DEFAULTS } from './spec-defaults.js';

/**
 * Default REINFORCE count for a batch of `batchSize` samples (prompts_per_step x samples_per_prompt):
 * the reference share of the batch (60 of 2560), rounded, at least 1, so a small job gets a
 * proportionate count instead of 60 (more than its whole batch).
 */
export function defaultReinforceCount(batchSize: number): number {
  return Math.max(1, Math.round(batchSize * SPEC_DEFAULTS.reinforceShareOfBatch));
}

/** Fills the target's band and estimator; `maxSteps` closes an open-ended ramp. */
export function entropyTargetWithDefaults(target: EntropyTarget, maxSteps: number): EntropyTarget {
  const out: EntropyTarget = {
    tolerance: target.tolerance ?? SPEC_DEFAULTS.tolerance,
    estimator:
      target.estimator === EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED
        ? EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB
        : target.estimator,
  };
  if (target.schedule !== undefined) {
    out.schedule = {
      ...target.schedule,
      endStep: target.schedule.endStep === 0 ? maxSteps : target.schedule.endStep,
    };
  } else {
    out.constant = target.constant;
  }
  return out;
}

function graderWithDefaults(grader: GraderSpec | undefined): GraderSpec {
  return grader === undefined || Object.values(grader).every((v) => v === undefined) ? { math: {} } : grader;
}

/**
 * Returns the stored spec: the caller's values, every unset optional knob filled with its reference
 * default. Run after validation (the ranges are already checked).
 */
export function applySpecDefaults(
  spec: JobSpec,
  seed: () => number = () => randomInt(0, 2 ** 31 - 1),
  deployment: DeploymentDefaults = {},
): JobSpec {
  const d = SPEC_DEFAULTS;
  const o = spec.optimization;
  const r = spec.rollout;
  const a = spec.aepo;
  const promptsPerStep = r?.promptsPerStep ?? d.promptsPerStep;
  const samplesPerPrompt = r?.samplesPerPrompt ?? d.samplesPerPrompt;
  const maxSteps = o?.maxSteps ?? d.maxSteps;
  const hasValidation = spec.validationDataset !== '';
  const out: JobSpec = {
    baseModel: spec.baseModel,
    trainingDataset: spec.trainingDataset,
    validationDataset: spec.validationDataset,
    algorithm: spec.algorithm === Algorithm.ALGORITHM_UNSPECIFIED ? Algorithm.ALGORITHM_AEPO : spec.algorithm,
    entropyTarget: spec.entropyTarget ? entropyTargetWithDefaults(spec.entropyTarget, maxSteps) : undefined,
    aepo: {
      tHigh: a?.tHigh ?? d.tHigh,
      tLow: a?.tLow ?? d.tLow,
      resampleFraction: a?.resampleFraction ?? d.resampleFraction,
      ...(a?.reinforceFraction !== undefined
        ? { reinforceFraction: a.reinforceFraction }
        : { reinforceCount: a?.reinforceCount ?? defaultReinforceCount(promptsPerStep * samplesPerPrompt) }),
      halveAboveTarget: a?.halveAboveTarget ?? d.halveAboveTarget,
      positiveThreshold: a?.positiveThreshold ?? d.positiveThreshold,
      controller: {
        kind:
          a?.controller?.kind === undefined ||
          a.controller.kind === ControllerKind.CONTROLLER_KIND_UNSPECIFIED
            ? ControllerKind.CONTROLLER_KIND_DUAL
            : a.controller.kind,
        variable:
          a?.controller?.variable === undefined ||
          a.controller.variable === ControlVariable.CONTROL_VARIABLE_UNSPECIFIED
            ? ControlVariable.CONTROL_VARIABLE_TEMPERATURE
            : a.controller.variable,
        proportionalGain: a?.controller?.proportionalGain ?? d.proportionalGain,
        integralGain: a?.controller?.integralGain ?? d.integralGain,
        entropyCoefGain: a?.controller?.entropyCoefGain ?? d.entropyCoefGain,
        entropyCoefMaxStep: a?.controller?.entropyCoefMaxStep ?? d.entropyCoefMaxStep,
        entropyCoefLimit: a?.controller?.entropyCoefLimit ?? d.entropyCoefLimit,
        entropyCoefDeadband: a?.controller?.entropyCoefDeadband ?? d.entropyCoefDeadband,
      },
    },
    rollout: {
      promptsPerStep,
      samplesPerPrompt,
      maxTokens: r?.maxTokens ?? d.maxTokens,
      topP: r?.topP ?? d.topP,
      temperature: r?.temperature ?? d.temperature,
      stop: r?.stop ?? [],
    },
    optimization: {
      learningRate: o?.learningRate ?? d.learningRate,
      weightDecay: o?.weightDecay ?? d.weightDecay,
      gradClip: o?.gradClip ?? d.gradClip,
      clipRatioLow: o?.clipRatioLow ?? d.clipRatioLow,
      clipRatioHigh: o?.clipRatioHigh ?? d.clipRatioHigh,
      dualClip: o?.dualClip ?? d.dualClip,
      lossAggregation:
        o?.lossAggregation === undefined || o.lossAggregation === LossAggregation.LOSS_AGGREGATION_UNSPECIFIED
          ? LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN
          : o.lossAggregation,
      miniBatchPrompts: o?.miniBatchPrompts ?? Math.min(d.miniBatchPrompts, promptsPerStep),
      epochsPerRollout: o?.epochsPerRollout ?? d.epochsPerRollout,
      klCoef: o?.klCoef ?? d.klCoef,
      maxSteps,
      seed: o?.seed ?? seed(),
      adamBeta1: o?.adamBeta1 ?? d.adamBeta1,
      adamBeta2: o?.adamBeta2 ?? d.adamBeta2,
      adamEps: o?.adamEps ?? d.adamEps,
    },
    entropyReg: { coef: spec.entropyReg?.coef ?? d.entropyRegCoef },
    entropyAdv: {
      alpha: spec.entropyAdv?.alpha ?? d.entropyAdvAlpha,
      kappa: spec.entropyAdv?.kappa ?? d.entropyAdvKappa,
    },
    grader: graderWithDefaults(spec.grader),
    validation: {
      everyNSteps: spec.validation?.everyNSteps ?? (hasValidation ? d.validationEveryNSteps : 0),
      temperature: spec.validation?.temperature ?? d.validationTemperature,
      k: spec.validation?.k ?? d.validationK,
      maxPrompts: spec.validation?.maxPrompts ?? d.validationMaxPrompts,
    },
    checkpoint: {
      everyNSteps: spec.checkpoint?.everyNSteps ?? d.checkpointEveryNSteps,
      keepLast: spec.checkpoint?.keepLast ?? d.checkpointKeepLast,
    },
    labels: { ...spec.labels },
    model: modelWithDefaults(spec.model),
  };
  const mlflow = mlflowWithDefaults(spec.mlflow, spec.baseModel, deployment.mlflow);
  if (mlflow) out.mlflow = mlflow;
  return out;
}

/** Spec defaults that come from the deployment's configuration rather than the reference values. */
export interface DeploymentDefaults {
  /** AEPO_MLFLOW_TRACKING_URI (unset: no default server) and AEPO_MLFLOW_EXPERIMENT_NAME. */
  mlflow?: { trackingUri: string | undefined; experimentName: string };
}

/**
 * JobSpec.mlflow with its defaults: the deployment's tracking server and experiment, and a registered
 * model named after the base model. Undefined (not tracked) when neither the job nor the deployment
 * names a server.
 */
export function mlflowWithDefaults(
  m: MlflowTracking | undefined,
  baseModel: string,
  deployment: DeploymentDefaults['mlflow'],
): MlflowTracking | undefined {
  const trackingUri = m?.trackingUri || deployment?.trackingUri;
  if (!trackingUri) return undefined;
  return {
    trackingUri,
    experimentName: m?.experimentName || deployment?.experimentName || SPEC_DEFAULTS.mlflowExperimentName,
    registeredModelName: m?.registeredModelName || `aepo-${baseModel.replace(/[:/]/g, '-')}`,
  };
}

/**
 * JobSpec.model with its defaults: precision UNSPECIFIED (bf16-mixed on CUDA, fp32 on CPU: the API
 * does not know the executor's device), token budget 0 (the engine's, by model size), gradient
 * checkpointing unset (on above 1B parameters), no chat template; an adapter gets alpha = 2 x rank,
 * dropout 0 and no merged export.
 */
export function modelWithDefaults(m: ModelConfig | undefined): ModelConfig {
  const a = m?.adapter;
  return {
    precision: m?.precision ?? Precision.PRECISION_UNSPECIFIED,
    maxTokensPerMicroBatch: m?.maxTokensPerMicroBatch ?? SPEC_DEFAULTS.maxTokensPerMicroBatch,
    ...(m?.gradientCheckpointing !== undefined ? { gradientCheckpointing: m.gradientCheckpointing } : {}),
    chatTemplate: m?.chatTemplate ?? SPEC_DEFAULTS.chatTemplate,
    ...(a
      ? {
          adapter: {
            rank: a.rank,
            alpha: a.alpha ?? SPEC_DEFAULTS.loraAlphaPerRank * a.rank,
            dropout: a.dropout ?? SPEC_DEFAULTS.loraDropout,
            targetModules: [...a.targetModules],
            exportMerged: a.exportMerged ?? SPEC_DEFAULTS.loraExportMerged,
          },
        }
      : {}),
  };
}
