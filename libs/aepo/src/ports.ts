/**
 * What the trainer needs from the outside world, as interfaces: the policy engine (sampling and
 * training; a gRPC client in the executor, a fake in unit tests), the reward function and the dataset
 * sampler. Only text and scalars cross these boundaries; token tensors stay in the engine, referenced
 * by rollout id.
 */
import type { LossAggregation } from './config.js';

/** One prompt group of a Sample call: n completions at its own temperature. */
export interface SampleGroup {
  prompt: string;
  n: number;
  temperature: number;
}

export interface SampleRequest {
  groups: SampleGroup[];
  topP: number;
  maxTokens: number;
  stop: readonly string[];
  seed: number;
  /**
   * False for samples that will never be trained on (validation): the engine may drop their tokens
   * at once instead of holding them under a rollout id.
   */
  keepRollouts: boolean;
}

export interface Completion {
  /** Handle of the held token ids / log-probs; '' when keepRollouts was false. */
  rolloutId: string;
  text: string;
  /** Response tokens generated. */
  tokens: number;
  /** 'stop' | 'length' | engine-specific. */
  finishReason: string;
  /** Mean full-vocabulary entropy at T=1 over the response tokens, nats/token. */
  entropy: number;
  /** Mean negative log-prob at T=1 of the sampled tokens (the sampled-token entropy estimate). */
  negLogProb: number;
}

export interface SampleResult {
  /** completions_P_G: one list per request group, in request order, n each. */
  groups: Completion[][];
  /** Engine-side wall time. */
  seconds: number;
}

/** Loss settings of a Train call (the algorithm's knobs passed through). */
export interface LossSettings {
  clipLow: number;
  clipHigh: number;
  dualClip: number;
  aggregation: LossAggregation;
  klCoef: number;
  /** Entropy-Reg: loss = pg_loss - entropyCoef * H. 0 off. */
  entropyCoef: number;
  /** Entropy-Adv: A' = A + min(alpha * H_t, |A| / kappa). alpha 0 off. */
  entropyAdvAlpha: number;
  entropyAdvKappa: number;
  miniBatchSize: number;
  microBatchSize: number;
  epochs: number;
  shuffleSeed: number;
}

export interface TrainRequest {
  items: { rolloutId: string; advantage: number }[];
  loss: LossSettings;
}

/** What the engine reports about one Train call (entropies at T=1, before the update). */
export interface TrainResult {
  /** Full-vocabulary entropy, token mean over the trained batch. */
  entropy: number;
  /** Sampled-token estimate over the trained batch. */
  entropySampled: number;
  policyLoss: number;
  /** Fraction of tokens clipped at 1 - clipLow / 1 + clipHigh. */
  clipFractionLow: number;
  clipFractionHigh: number;
  /** Fraction of tokens whose loss the dual clip capped (negative advantages). */
  clipFractionDual: number;
  /** Approximate KL(old || new) over the updates: how far this Train moved the policy. */
  approxKl: number;
  /** KL to the reference model (k3 estimator, token mean); 0 without a KL penalty. */
  kl: number;
  gradNorm: number;
  lr: number;
  tokens: number;
  seconds: number;
}

export interface PolicyEngine {
  sample(request: SampleRequest): Promise<SampleResult>;
  train(request: TrainRequest): Promise<TrainResult>;
  /** Frees rollouts that will not be trained (dropped or unselected samples). */
  release(rolloutIds: string[]): Promise<void>;
}

/** One completion to score. */
export interface RewardItem {
  prompt: string;
  completion: string;
  answer: string;
}

/** Scores in [0, 1], one per item, in order; 1 means correct. */
export type RewardFn = (items: RewardItem[]) => Promise<number[]>;

/** A training or validation example. */
export interface Example {
  prompt: string;
  answer: string;
  id?: string;
}

/** Serialisable position of a sampler. */
export interface SamplerCursor {
  /** Completed passes over the data. */
  epoch: number;
  /** Next position inside the epoch's permutation. */
  index: number;
}

/** Seeded, epoch-aware, resumable source of training prompts. */
export interface DatasetSampler {
  /** The next `count` examples (crossing into the next epoch when needed). */
  next(count: number): Example[];
  cursor(): SamplerCursor;
  /** Number of examples in one epoch. */
  readonly size: number;
}
