/**
 * A deterministic in-memory engine for unit tests of the job runner: its whole "policy" is one number
 * `w` that Train moves, so a checkpoint round trip and an exact resume are easy to observe.
 */
import { Rng, deriveSeed, type SampleRequest, type SampleResult, type TrainRequest } from '@aepo/aepo';
import { status } from '@grpc/grpc-js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  EngineLoadRequest,
  EngineLoaded,
  EngineTrainResult,
  ExecutorEngine,
} from '../engine/engine.port.js';

/** The budget the fake reports when the job sets none (the real engine's is by model size). */
export const FAKE_DEFAULT_TOKEN_BUDGET = 4096;

export class FakeEngine implements ExecutorEngine {
  w = 0;
  model: string | null = null;
  calls: string[] = [];
  /** Errors to throw from the next sample calls. */
  sampleFailures: Error[] = [];
  loadError: Error | null = null;
  /** Called at the start of each sample (tests use it to block or kill). */
  onSample: (() => Promise<void>) | null = null;
  /** Load requests received, in order. */
  loads: EngineLoadRequest[] = [];
  /** Train fails RESOURCE_EXHAUSTED while the loaded token budget is above this (a memory limit). */
  oomAboveTokens: number | null = null;
  /** Train skips its update and reports this many non-finite optimizer steps. */
  nonFiniteSteps = 0;
  private tokenBudget = FAKE_DEFAULT_TOKEN_BUDGET;
  private nextId = 0;

  async load(req: EngineLoadRequest): Promise<EngineLoaded> {
    this.calls.push(`load:${req.model}`);
    this.loads.push(req);
    if (this.loadError) throw this.loadError;
    this.model = req.model;
    this.w = (req.seed % 10) / 100;
    this.tokenBudget = req.options?.maxTokensPerMicroBatch || FAKE_DEFAULT_TOKEN_BUDGET;
    return { model: { maxTokensPerMicroBatch: this.tokenBudget } };
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    this.calls.push('sample');
    if (this.onSample) await this.onSample();
    const err = this.sampleFailures.shift();
    if (err) throw err;
    const rng = new Rng(deriveSeed(req.seed, Math.round(this.w * 1e6)));
    const groups = req.groups.map((g) =>
      Array.from({ length: g.n }, () => {
        const [a, b] = g.prompt.replace('=', '').split('+').map(Number) as [number, number];
        const right = rng.next() < 0.3 + this.w;
        const tokens = 2 + Math.floor(rng.next() * 3);
        return {
          rolloutId: req.keepRollouts ? `r${this.nextId++}` : '',
          text: String(right ? a + b : a + b + 1),
          tokens,
          finishReason: 'stop',
          entropy: 0.5 + 0.2 * g.temperature - this.w,
          negLogProb: 0.6 - this.w,
        };
      }),
    );
    return { groups, seconds: 0 };
  }

  async train(req: TrainRequest): Promise<EngineTrainResult> {
    this.calls.push('train');
    if (this.oomAboveTokens !== null && this.tokenBudget > this.oomAboveTokens) {
      throw Object.assign(new Error(`out of memory: micro-batch of ${this.tokenBudget} tokens`), {
        code: status.RESOURCE_EXHAUSTED,
      });
    }
    const mean = req.items.reduce((s, i) => s + i.advantage, 0) / Math.max(1, req.items.length);
    if (this.nonFiniteSteps === 0) this.w += 0.01 + 0.001 * mean;
    return {
      entropy: 0.5 - this.w,
      entropySampled: 0.6 - this.w,
      policyLoss: -mean,
      clipFractionLow: 0,
      clipFractionHigh: 0,
      clipFractionDual: 0,
      approxKl: 0,
      kl: 0,
      gradNorm: 1,
      lr: 1e-3,
      tokens: req.items.length * 3,
      seconds: 0,
      nonFiniteSteps: this.nonFiniteSteps,
    };
  }

  async release(): Promise<void> {}

  async saveCheckpoint(dir: string, opts: { mergeAdapter?: boolean } = {}): Promise<void> {
    this.calls.push(opts.mergeAdapter ? 'save:merged' : 'save');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'w.json'), JSON.stringify({ w: this.w, model: this.model }));
  }

  async loadCheckpoint(dir: string): Promise<void> {
    this.calls.push('restore');
    this.w = (JSON.parse(await readFile(join(dir, 'w.json'), 'utf8')) as { w: number }).w;
  }

  async health(): Promise<boolean> {
    return true;
  }
}
