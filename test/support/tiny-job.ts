/** Test data and a small job on builtin:tiny-arith: seeded `a+b=` rows and a JobSpec that trains in seconds. */
import { Algorithm, EntropyEstimator, type JobSpec, LossAggregation } from '@aepo/contracts';

/** tiny-arith rows `${a}+${b}=` -> `${a+b}` from a seeded generator. */
export function tinyArithRows(count: number, seed: number): { prompt: string; answer: string }[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const a = Math.floor(next() * 100);
    const b = Math.floor(next() * 100);
    return { prompt: `${a}+${b}=`, answer: String(a + b) };
  });
}

/** A small AEPO job on builtin:tiny-arith for tests (a few seconds per step on one CPU thread). */
export function tinyJobSpec(
  dataset: string,
  o: {
    maxSteps?: number;
    checkpointEvery?: number;
    algorithm?: Algorithm;
    target?: number;
    seed?: number;
    promptsPerStep?: number;
    samplesPerPrompt?: number;
  } = {},
): JobSpec {
  return {
    baseModel: 'builtin:tiny-arith',
    trainingDataset: dataset,
    validationDataset: '',
    algorithm: o.algorithm ?? Algorithm.ALGORITHM_AEPO,
    entropyTarget: {
      constant: o.target ?? 0.3,
      tolerance: 0.05,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
    },
    aepo: { reinforceFraction: 0.25 },
    rollout: {
      promptsPerStep: o.promptsPerStep ?? 8,
      samplesPerPrompt: o.samplesPerPrompt ?? 4,
      maxTokens: 8,
      topP: 1,
      stop: [],
    },
    optimization: {
      learningRate: 1e-3,
      weightDecay: 0,
      lossAggregation: LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN,
      maxSteps: o.maxSteps ?? 10,
      seed: o.seed ?? 11,
    },
    checkpoint: { everyNSteps: o.checkpointEvery ?? 2, keepLast: 3 },
    labels: { e2e: 'executor' },
  };
}
