/** A small job and its dataset, shared by the JobRunner unit tests (runner and memory paths). */
import {
  Algorithm,
  applySpecDefaults,
  EntropyEstimator,
  type JobSpec,
  LossAggregation,
} from '@aepo/contracts';

export const RUNNER_ROWS = Array.from({ length: 20 }, (_, i) => ({
  prompt: `${i}+${i + 1}=`,
  answer: String(2 * i + 1),
}));

/**
 * 6 steps of 4 prompts x 3 samples, a checkpoint every 2 steps; `over` replaces whole fields. The
 * spec as the API stores it: every default filled from the one table.
 */
export function runnerSpec(over: Partial<JobSpec> = {}): JobSpec {
  return applySpecDefaults({
    baseModel: 'builtin:tiny-arith',
    trainingDataset: 'projects/p/datasets/ds',
    validationDataset: '',
    algorithm: Algorithm.ALGORITHM_GRPO,
    entropyTarget: {
      constant: 0.4,
      tolerance: 0.05,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
    },
    rollout: { promptsPerStep: 4, samplesPerPrompt: 3, maxTokens: 8, topP: 1, temperature: 1, stop: [] },
    optimization: {
      maxSteps: 6,
      seed: 7,
      learningRate: 1e-3,
      lossAggregation: LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN,
      miniBatchPrompts: 4,
    },
    checkpoint: { everyNSteps: 2, keepLast: 10 },
    labels: {},
    ...over,
  });
}
