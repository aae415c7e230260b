/**
 * What the executor needs from a policy engine: libs/aepo's PolicyEngine (sample, train, release)
 * plus model loading, checkpoints and health. The gRPC EngineClient satisfies it; unit tests use fakes.
 */
import type { PolicyEngine } from '@aepo/aepo';

export interface EngineLoadRequest {
  /** Model id from the job spec, e.g. `builtin:tiny-arith`. */
  model: string;
  seed: number;
  lr: number;
  weightDecay: number;
  gradClip: number;
  klCoef: number;
}

export interface ExecutorEngine extends PolicyEngine {
  load(request: EngineLoadRequest): Promise<unknown>;
  /** Writes the engine's checkpoint (HF weights + optimizer + RNG) into `dir`. */
  saveCheckpoint(dir: string): Promise<unknown>;
  /** Restores the engine's state from `dir` (after load of the same model). */
  loadCheckpoint(dir: string): Promise<unknown>;
  health(): Promise<boolean>;
}
