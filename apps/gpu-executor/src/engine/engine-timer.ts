/**
 * Wraps the engine to add up the compute time the engine itself reports (Sample and Train `seconds`),
 * so the executor can log how much of a step was spent outside the engine (its overhead).
 */
import type { SampleRequest, SampleResult, TrainRequest } from '@aepo/aepo';
import type { EngineLoadRequest, EngineLoaded, EngineTrainResult, ExecutorEngine } from './engine.port.js';

export class EngineTimer implements ExecutorEngine {
  /** Engine-reported seconds since the last take(). */
  private seconds = 0;
  /** Optimizer steps the engine skipped (non-finite loss or gradient norm) since takeNonFinite(). */
  private nonFinite = 0;

  constructor(private readonly inner: ExecutorEngine) {}

  /** Returns the engine seconds accumulated since the last call and resets the sum. */
  take(): number {
    const s = this.seconds;
    this.seconds = 0;
    return s;
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    const r = await this.inner.sample(req);
    this.seconds += r.seconds;
    return r;
  }

  async train(req: TrainRequest): Promise<EngineTrainResult> {
    const r = await this.inner.train(req);
    this.seconds += r.seconds;
    this.nonFinite += r.nonFiniteSteps ?? 0;
    return r;
  }

  /** Skipped (non-finite) optimizer steps since the last call; resets the count. */
  takeNonFinite(): number {
    const n = this.nonFinite;
    this.nonFinite = 0;
    return n;
  }

  /**
   * Not awaited: freeing unselected rollouts need not delay the step by a round trip. The engine
   * serves calls in order, so the memory is free before the next Sample; a failed release only
   * leaves rollouts to the engine's TTL.
   */
  release(ids: string[]): Promise<void> {
    this.inner.release(ids).catch(() => undefined);
    return Promise.resolve();
  }

  load(req: EngineLoadRequest): Promise<EngineLoaded | void> {
    return this.inner.load(req);
  }

  saveCheckpoint(dir: string, opts?: { mergeAdapter?: boolean }): Promise<unknown> {
    return this.inner.saveCheckpoint(dir, opts);
  }

  loadCheckpoint(dir: string): Promise<unknown> {
    return this.inner.loadCheckpoint(dir);
  }

  health(): Promise<boolean> {
    return this.inner.health();
  }
}
