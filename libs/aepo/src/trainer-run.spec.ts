/** The Trainer's state round trip, validation, run() and the 'dual' controller. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import type { TrainRequest } from './ports.js';
import { Trainer } from './trainer.js';
import { FakeEngine, make, now, reward, trainSet } from './testing/trainer-fixtures.js';

describe('Trainer state', () => {
  // The fake policy's entropy moves with every update, as a real one would.
  const drift = (st: { entropy: number }, req: TrainRequest) => {
    st.entropy += 0.01 * req.items.filter((i) => i.advantage === 1).length - 0.02;
  };
  const cfg = {
    algorithm: 'aepo',
    maxSteps: 6,
    aepo: { resampleFraction: 0.5, controller: { mode: 'pi' } },
  } as const;
  const strip = (o: { record: { timings: unknown } }) => ({ ...o.record, timings: null });

  it('round-trips through JSON and continues exactly like the uninterrupted run', async () => {
    const a = make(cfg, new FakeEngine({ entropy: 0.3, nextId: 0 }, drift));
    for (let i = 0; i < 3; i++) await a.trainer.stepOnce();
    const saved = JSON.parse(JSON.stringify(a.trainer.state())) as TrainerState;
    const engineCheckpoint = structuredClone(a.engine.st);
    a.trainer.setTarget({ kind: 'constant', value: 0.3 });
    const savedAfterChange = JSON.parse(JSON.stringify(a.trainer.state())) as TrainerState;
    expect(savedAfterChange.targetOverride).toEqual({
      fromStep: 4,
      schedule: { kind: 'constant', value: 0.3 },
    });
    const restA = [];
    while (!a.trainer.done) restA.push(strip(await a.trainer.stepOnce()));
    expect(restA).toHaveLength(3);

    const b = make(cfg, new FakeEngine(engineCheckpoint, drift), savedAfterChange);
    expect(b.trainer.step).toBe(3);
    const restB = [];
    while (!b.trainer.done) restB.push(strip(await b.trainer.stepOnce()));
    expect(restB).toEqual(restA);
    expect(b.engine.samples).toEqual(a.engine.samples.slice(3));
    expect(b.engine.trains).toEqual(a.engine.trains.slice(3));
    expect(saved.step).toBe(3);
    expect(saved.controller.integral).not.toBe(0);
  });

  it('refuses a state made with another seed', () => {
    const a = make(cfg);
    const state = { ...a.trainer.state(), seed: 99 };
    expect(() => make(cfg, new FakeEngine(), state)).toThrow(/seed 99/);
  });
});

describe('Trainer validation and run()', () => {
  const validationSet = [
    { prompt: 'q1', answer: 'yes' },
    { prompt: 'q2', answer: 'yes' },
    { prompt: 'q4', answer: 'yes' },
  ];

  it('validates every N steps and at the end with pass@1 and unbiased pass@k', async () => {
    const config = resolveConfig({
      algorithm: 'grpo',
      maxSteps: 5,
      rollout: { promptsPerStep: 2, samplesPerPrompt: 2, maxTokens: 8 },
      validation: { everySteps: 2, samplesPerPrompt: 4, passK: [1, 2], batchPrompts: 2, temperature: 0.7 },
    });
    const engine = new FakeEngine();
    const trainer = new Trainer({ config, engine, reward, trainSet, validationSet, now });
    const evals: number[] = [];
    const ran = await trainer.run({ onStep: (o) => void (o.evaluation && evals.push(o.evaluation.step)) });
    expect(ran).toBe(5);
    expect(evals).toEqual([2, 4, 5]);
    const ev = await trainer.validate();
    // q1: 1 of 4, q2: 2 of 4, q4: 4 of 4
    expect(ev.accuracy).toBeCloseTo(7 / 12, 12);
    expect(ev.passAtK['1']).toBeCloseTo(7 / 12, 12);
    // pass@2: q1 1 - C(3,2)/C(4,2) = 0.5, q2 1 - 1/6, q4 1
    expect(ev.passAtK['2']).toBeCloseTo((0.5 + 5 / 6 + 1) / 3, 12);
    const valCalls = engine.samples.filter((s) => !s.keepRollouts);
    expect(valCalls.every((s) => s.groups.every((g) => g.temperature === 0.7 && g.n === 4))).toBe(true);
    // Two Sample calls per validation (batches of 2 prompts), four validations.
    expect(valCalls).toHaveLength(8);
  });

  it('stops between steps when the signal aborts', async () => {
    const { trainer } = make({ algorithm: 'grpo', maxSteps: 10 });
    const ctl = new AbortController();
    const ran = await trainer.run({
      signal: ctl.signal,
      onStep: (o) => (o.record.step === 2 ? ctl.abort() : undefined),
    });
    expect(ran).toBe(2);
    expect(trainer.step).toBe(2);
    expect(trainer.done).toBe(false);
  });

  it('derives the step count from epochs', () => {
    const { trainer } = make({ algorithm: 'grpo', maxSteps: 0, epochs: 3 });
    // 8 prompts / 4 per step = 2 steps per epoch
    expect(trainer.totalSteps).toBe(6);
  });
});

describe("Trainer, AEPO with the 'dual' controller", () => {
  it("sends lambda as the loss's entropy coefficient, records it and checkpoints it", async () => {
    // Entropy stuck at 0.2, target 0.35: beyond the warm-up lambda grows step after step.
    const over: AlgorithmConfigInput = {
      algorithm: 'aepo',
      maxSteps: 16,
      aepo: { controller: { mode: 'dual', coefGain: 0.01, coefMaxStep: 0.004 } },
    };
    const { trainer, engine } = make(over, new FakeEngine({ entropy: 0.2, nextId: 0 }));
    const records = [];
    for (let i = 0; i < 14; i++) records.push((await trainer.stepOnce()).record);
    const coefs = records.map((r) => r.entropyCoef);
    expect(engine.trains.map((t) => t.loss.entropyCoef)).toEqual(coefs);
    // Held during the warm-up of its trend (the first measurements), then rising at the rate limit.
    expect(coefs.slice(0, 11)).toEqual(Array(11).fill(0));
    expect(coefs[11]).toBeCloseTo(0.004, 12);
    expect(coefs[13]).toBeCloseTo(0.012, 12);
    expect(records[13]!.entropyClosing).toBe(false);
    // A restored trainer continues from the same lambda.
    const restored = make(over, new FakeEngine({ entropy: 0.2, nextId: 1000 }), trainer.state());
    const next = (await restored.trainer.stepOnce()).record;
    expect(next.entropyCoef).toBeCloseTo(0.016, 12);
  });
});
