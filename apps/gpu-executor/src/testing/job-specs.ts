/**
 * JobSpecs as a caller sends them, for the executor's field-by-field tests (job-spec.carry.spec.ts,
 * job-spec.engine.integration-spec.ts): a minimal one, and full ones with every knob set away from its
 * default, so that a value lost or re-defaulted on the way shows.
 */
import {
  Algorithm,
  ControllerKind,
  ControlVariable,
  EntropyEstimator,
  type JobSpec,
  LossAggregation,
  Precision,
  ScheduleKind,
} from '@aepo/contracts';

export const MINIMAL_SPEC: JobSpec = {
  baseModel: 'builtin:tiny-arith',
  trainingDataset: 'projects/p/datasets/00000000-0000-4000-8000-000000000001',
  validationDataset: '',
  algorithm: Algorithm.ALGORITHM_UNSPECIFIED,
  entropyTarget: { constant: 0.4, estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED },
  labels: {},
};

/** Every knob set away from its default; `schedule` swaps the constant target for a ramp. */
export function fullSpec(schedule: boolean): JobSpec {
  return {
    ...MINIMAL_SPEC,
    validationDataset: 'projects/p/datasets/00000000-0000-4000-8000-000000000002',
    algorithm: Algorithm.ALGORITHM_GRPO,
    entropyTarget: {
      ...(schedule
        ? {
            schedule: {
              kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
              startValue: 0.5,
              endValue: 0.3,
              startStep: 2,
              endStep: 20,
              points: [],
            },
          }
        : { constant: 0.6 }),
      tolerance: 0.07,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_SAMPLED_TOKEN,
    },
    aepo: {
      tHigh: 1.3,
      tLow: 0.7,
      resampleFraction: 0.5,
      halveAboveTarget: false,
      positiveThreshold: 0.1,
      ...(schedule ? { reinforceFraction: 0.2 } : { reinforceCount: 7 }),
      controller: {
        kind: ControllerKind.CONTROLLER_KIND_PROPORTIONAL,
        variable: ControlVariable.CONTROL_VARIABLE_SHARE,
        proportionalGain: 3,
        integralGain: 0.4,
        entropyCoefGain: 0.03,
        entropyCoefMaxStep: 0.004,
        entropyCoefLimit: 0.3,
        entropyCoefDeadband: 0.05,
      },
    },
    rollout: {
      promptsPerStep: 16,
      samplesPerPrompt: 4,
      maxTokens: 64,
      topP: 0.9,
      temperature: 0.9,
      stop: ['\n'],
    },
    optimization: {
      learningRate: 2e-5,
      weightDecay: 0.02,
      gradClip: 0.5,
      clipRatioLow: 0.1,
      clipRatioHigh: 0.3,
      dualClip: 4,
      lossAggregation: LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM,
      miniBatchPrompts: 8,
      epochsPerRollout: 2,
      klCoef: 0.05,
      maxSteps: 30,
      seed: 11,
      adamBeta1: 0.8,
      adamBeta2: 0.99,
      adamEps: 1e-7,
    },
    entropyReg: { coef: 0.05 },
    entropyAdv: { alpha: 0.5, kappa: 3 },
    grader: { numeric: { relTol: 0.01 } },
    validation: { everyNSteps: 5, temperature: 0.6, k: 4, maxPrompts: 10 },
    checkpoint: { everyNSteps: 7, keepLast: 2 },
    labels: { team: 'rl' },
    model: {
      precision: Precision.PRECISION_BF16_MIXED,
      maxTokensPerMicroBatch: 4096,
      gradientCheckpointing: true,
      chatTemplate: true,
      adapter: { rank: 8, alpha: 12, dropout: 0.1, targetModules: ['q_proj'], exportMerged: true },
    },
    mlflow: { trackingUri: 'http://mlflow:5000', experimentName: 'e', registeredModelName: 'm' },
  };
}
