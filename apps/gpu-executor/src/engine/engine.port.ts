/**
 * What the executor needs from a policy engine: libs/aepo's PolicyEngine (sample, train, release)
 * plus model loading, checkpoints and health. The gRPC EngineClient satisfies it; unit tests use fakes.
 */
import type { PolicyEngine, TrainRequest, TrainResult } from '@aepo/aepo';

/** How the engine holds and trains the model (JobSpec.model). */
export interface EngineModelOptions {
  /** `fp32`, `bf16-mixed`, `bf16-pure`; '' lets the engine choose (bf16-mixed on CUDA, fp32 on CPU). */
  precision: string;
  /** Token budget of one forward/backward pass; 0: the engine's default for the model's size. */
  maxTokensPerMicroBatch: number;
  /** Unset: on above 1B parameters. */
  gradientCheckpointing?: boolean;
  /** Render prompts with the tokenizer's chat template when it has one. */
  chatTemplate: boolean;
  /** Train a LoRA adapter on the frozen base; unset: every weight. */
  lora?: { rank: number; alpha: number; dropout: number; targetModules: string[] };
  /** AdamW moments and epsilon (JobSpec.optimization.adam_*). */
  adam: { beta1: number; beta2: number; eps: number };
}

/** What Load reports that the executor uses (the budget in force, to halve after an OOM). */
export interface EngineLoaded {
  model?: { maxTokensPerMicroBatch: number } | undefined;
}

/** TrainResult plus how many optimizer steps were skipped for a non-finite loss or gradient norm. */
export interface EngineTrainResult extends TrainResult {
  nonFiniteSteps?: number;
}

export interface EngineLoadRequest {
  /** Model id from the job spec, e.g. `builtin:tiny-arith`. */
  model: string;
  seed: number;
  lr: number;
  weightDecay: number;
  gradClip: number;
  klCoef: number;
  /** JobSpec.model and the AdamW settings, from the stored spec (toEngineModelOptions). */
  options: EngineModelOptions;
}

export interface ExecutorEngine extends PolicyEngine {
  load(request: EngineLoadRequest): Promise<EngineLoaded | void>;
  train(request: TrainRequest): Promise<EngineTrainResult>;
  /**
   * Writes the engine's checkpoint (HF weights + optimizer + RNG) into `dir`; `mergeAdapter`: a
   * LoRA engine also writes the merged model into `dir`/merged.
   */
  saveCheckpoint(dir: string, opts?: { mergeAdapter?: boolean }): Promise<unknown>;
  /** Restores the engine's state from `dir` (after load of the same model). */
  loadCheckpoint(dir: string): Promise<unknown>;
  health(): Promise<boolean>;
}
