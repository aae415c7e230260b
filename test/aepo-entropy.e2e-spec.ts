/**
 * AEPO holds policy entropy at a target while GRPO's collapses: the real Python engine
 * (builtin:tiny-arith on CPU) driven by libs/aepo's Trainer over gRPC, every run from the same initial
 * weights with the same budget. Settings: test/experiments/entropy-settings.ts; measured results per
 * seed: docs/results/entropy.md and docs/benchmarks.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../apps/gpu-executor/src/engine/engine-client.js';
import {
  type RunResult,
  measureStartEntropy,
  runAll,
  tinyArith,
  withEngines,
} from './experiments/entropy-runs.js';
import { ENTROPY_COMMON, TARGET_FRACTIONS, aepoSpec, baselineSpecs } from './experiments/entropy-settings.js';
import { summarize } from './experiments/entropy-summary.js';

const SEED = Number(process.env.AEPO_E2E_SEED ?? ENTROPY_COMMON.seed);
const STEPS = ENTROPY_COMMON.steps;
/** The baselines with an entropy term only have to run to the end: a short run of each. */
const SHORT_STEPS = 20;

let results: RunResult[] = [];
let h0 = 0;
let targets = { low: 0, high: 0 };
let release: () => void = () => {};
let done: Promise<void> = Promise.resolve();

describe('AEPO entropy control against the real engine', () => {
  beforeAll(async () => {
    let ready!: (clients: EngineClient[]) => void;
    const clientsReady = new Promise<EngineClient[]>((r) => (ready = r));
    const finished = new Promise<void>((r) => (release = r));
    // Three engines (one torch thread each), one per long run (GRPO, AEPO low, AEPO high), so the
    // wall time is that of the slowest run, not of two in a row; kept up until afterAll.
    done = withEngines(3, async (clients) => {
      ready(clients);
      await finished;
    });
    // An engine that fails to start rejects `done` before the clients are ready: fail, not hang.
    const clients = await Promise.race([clientsReady, done.then(() => [] as EngineClient[])]);
    const common = { ...ENTROPY_COMMON, seed: SEED };
    h0 = await measureStartEntropy(clients[0]!, common, tinyArith(64, 13));
    targets = { low: TARGET_FRACTIONS.low * h0, high: TARGET_FRACTIONS.high * h0 };
    const [grpo, reg, adv] = baselineSpecs();
    const short = { ...common, steps: SHORT_STEPS };
    results = await runAll(
      clients,
      [
        { common, spec: grpo! },
        { common, spec: aepoSpec('AEPO low', targets.low) },
        { common, spec: aepoSpec('AEPO high', targets.high) },
        { common: short, spec: reg! },
        { common: short, spec: adv! },
      ],
      { train: tinyArith(4000, 11), validation: [] },
      // Each run's numbers as soon as it ends, so a run cut short still tells what it measured.
      (r) => {
        const s = summarize(r.records, r.target);
        const target = r.target === null ? '' : ` H* ${r.target.toFixed(3)}`;
        console.log(
          `seed ${SEED}, H0 ${h0.toFixed(3)}: ${r.name}${target}: start ${s.startEntropy.toFixed(3)} ` +
            `last-third ${s.lastThirdMean.toFixed(3)} MAD ${s.madRelative?.toFixed(3) ?? '-'} ` +
            `final acc ${s.finalAccuracy.toFixed(3)} final lambda ${(r.records.at(-1)?.entropyCoef ?? 0).toFixed(4)} ` +
            `${r.seconds.toFixed(0)} s`,
        );
      },
    );
    // The first start builds builtin:tiny-arith (about 1 min on a quiet machine, 15 on a machine
    // shared by many jobs), then five runs (about 3 min quiet; 40 on a 2-core machine at load 25).
  }, 3_600_000);

  afterAll(async () => {
    release();
    await done;
  });

  const get = (name: string) => results.find((r) => r.name === name)!;

  // The starting value is the initial policy's entropy H0, measured once on 64 prompts x 8 samples
  // (the first step's 32 x 8 batch estimates the same quantity with more noise).
  it("GRPO's entropy collapses: last-third mean at most 0.75 of the start", () => {
    const s = summarize(get('GRPO').records, null);
    expect(s.steps).toBe(STEPS);
    expect(Math.abs(s.startEntropy - h0)).toBeLessThan(0.1 * h0);
    expect(s.lastThirdMean).toBeLessThanOrEqual(0.75 * h0);
  });

  it('AEPO holds two targets below the start: within 25%, MAD <= 25%, means apart by half the targets gap', () => {
    const lo = summarize(get('AEPO low').records, targets.low);
    const hi = summarize(get('AEPO high').records, targets.high);
    // Same initial weights and the same requests: both runs measure the same first step.
    expect(lo.startEntropy).toBeCloseTo(hi.startEntropy, 6);
    expect(targets.high).toBeLessThanOrEqual(hi.startEntropy);
    for (const s of [lo, hi]) {
      expect(s.steps).toBe(STEPS);
      expect(s.meanErrorRelative!).toBeLessThanOrEqual(0.25);
      expect(s.madRelative!).toBeLessThanOrEqual(0.25);
    }
    // Relative to the commanded gap (0.3 H0), not in nats: a fresh build may start lower (H0 0.42 on
    // build seed 1, 0.64 on the tuned one). GRPO alone would give 0; the reference rule alone gave
    // 0.0697 of 0.19 on another machine's build (0.37 of the gap); 'dual' measured 1.0 (benchmarks.md).
    expect(hi.lastThirdMean - lo.lastThirdMean).toBeGreaterThanOrEqual(0.5 * (targets.high - targets.low));
  });

  it("AEPO's final T=1 accuracy is no worse than GRPO's minus 0.05", () => {
    const grpo = summarize(get('GRPO').records, null).finalAccuracy;
    for (const name of ['AEPO low', 'AEPO high']) {
      expect(summarize(get(name).records, null).finalAccuracy).toBeGreaterThanOrEqual(grpo - 0.05);
    }
  });

  it('Entropy-Reg and Entropy-Adv run to the end', () => {
    for (const name of ['Entropy-Reg c=0.03', 'Entropy-Adv a=0.4 k=2']) {
      const r = get(name);
      expect(r.records.map((x) => x.step)).toEqual(Array.from({ length: SHORT_STEPS }, (_, i) => i + 1));
      expect(r.records.every((x) => Number.isFinite(x.entropy) && Number.isFinite(x.loss))).toBe(true);
    }
  });
});
