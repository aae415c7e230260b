/**
 * The one table of JobSpec defaults (aepo.v1.JobSpec): what the API stores for every knob a caller
 * leaves unset (AEPO reference values, arXiv 2510.08141, unless a comment says otherwise). The API
 * applies it once, at CreateJob; the executor, libs/aepo and the engine receive the resolved spec and
 * never default a spec value again (test/spec-defaults.lint.spec.ts fails when one does). Pure data with no
 * imports, so libs/aepo's tests can build a full config from it without the gRPC stubs.
 */
export const SPEC_DEFAULTS = {
  tolerance: 0.05,
  tHigh: 1.2,
  tLow: 0.8,
  resampleFraction: 0.25,
  /** The reference's 60 REINFORCE samples in a batch of 512 x 5: the default keeps that share. */
  reinforceShareOfBatch: 60 / (512 * 5),
  halveAboveTarget: true,
  positiveThreshold: 0.05,
  /** PROPORTIONAL controller gains (kept from the API's stored default: a pure P controller). */
  proportionalGain: 1.0,
  integralGain: 0,
  // The DUAL controller's entropy coefficient (docs/benchmarks.md: 0.004 left a 4.6% bias).
  entropyCoefGain: 0.02,
  entropyCoefMaxStep: 0.002,
  entropyCoefLimit: 0.2,
  entropyCoefDeadband: 0.02,
  promptsPerStep: 512,
  samplesPerPrompt: 5,
  maxTokens: 2048,
  topP: 0.99,
  temperature: 1.0,
  learningRate: 1e-6,
  weightDecay: 0.01,
  gradClip: 1.0,
  clipRatioLow: 0.2,
  clipRatioHigh: 0.2,
  dualClip: 3.0,
  /** Prompts per optimizer mini-batch, clamped to prompts_per_step (reference: 4 steps per rollout). */
  miniBatchPrompts: 128,
  epochsPerRollout: 1,
  klCoef: 0,
  maxSteps: 100,
  /** AdamW moments and epsilon (PyTorch's, which the reference trains with). */
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  entropyRegCoef: 0.03,
  entropyAdvAlpha: 0.4,
  entropyAdvKappa: 2,
  /** Validation cadence when a validation dataset is set (0 without one). */
  validationEveryNSteps: 10,
  validationTemperature: 1.0,
  validationK: 1,
  validationMaxPrompts: 0,
  checkpointEveryNSteps: 50,
  checkpointKeepLast: 3,
  /** 0: the engine's token budget for the model's size. */
  maxTokensPerMicroBatch: 0,
  chatTemplate: false,
  /** LoRA: alpha = this x rank, no dropout, adapter-only export. */
  loraAlphaPerRank: 2,
  loraDropout: 0,
  loraExportMerged: false,
  mlflowExperimentName: 'aepo',
} as const;

export type SpecDefaults = typeof SPEC_DEFAULTS;
