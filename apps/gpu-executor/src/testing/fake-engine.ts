/**
 * A deterministic in-memory engine for unit tests of the job runner: its whole "policy" is one number
 * `w` that Train moves, so a checkpoint round trip and an exact resume are easy to observe.
 */
import {
  Rng,
  deriveSeed,
  type SampleRequest,
  type SampleResult,
  type TrainRequest,
  type TrainResult,
} from '@aepo/aepo';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineLoadRequest, ExecutorEngine } from '../engine/engine.port.js';

export class FakeEngine implements ExecutorEngine {
  w = 0;
  model: string | null = null;
  calls: string[] = [];
  /** Errors to throw from the next sample calls. */
  sampleFailures: Error[] = [];
  loadError: Error | null = null;
  /** Called at the start of each sample (tests use it to block or kill). */
  onSample: (() => Promise<void>) | null = null;
  private nextId = 0;

  async load(req: EngineLoadRequest): Promise<void> {
    this.calls.push(`load:${req.model}`);
    if (this.loadError) throw this.loadError;
    this.model = req.model;
    this.w = (req.seed % 10) / 100;
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

  async train(req: TrainRequest): Promise<TrainResult> {
    this.calls.push('train');
    const mean = req.items.reduce((s, i) => s + i.advantage, 0) / Math.max(1, req.items.length);
    this.w += 0.01 + 0.001 * mean;
    return {
      entropy: 0.5 - this.w,
      entropySampled: 0.6 - this.w,
      policyLoss: -mean,
      clipFractionLow: 0,
      clipFractionHigh: 0,
      approxKl: 0,
      gradNorm: 1,
      lr: 1e-3,
      tokens: req.items.length * 3,
      seconds: 0,
    };
  }

  async release(): Promise<void> {}

  async saveCheckpoint(dir: string): Promise<void> {
    this.calls.push('save');
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
