import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import type { TrainRequest } from './ports.js';
import { INITIAL_REACH_STATE } from './reach.js';
import { FakeEngine, correctOf, make, now, reward, trainSet } from './testing/trainer-fixtures.js';
import { Trainer, type TrainerState } from './trainer.js';

describe('Trainer, GRPO', () => {
  it('samples B x n at T = 1, trains every sample with its group advantage, records the step', async () => {
    const { trainer, engine } = make({ algorithm: 'grpo' });
    const { record } = await trainer.stepOnce();
    expect(engine.samples).toHaveLength(1);
    const req = engine.samples[0]!;
    expect(req.groups).toHaveLength(4);
    expect(req.groups.every((g) => g.n === 4 && g.temperature === 1)).toBe(true);
    expect(req.keepRollouts).toBe(true);
    const items = engine.trains[0]!.items;
    expect(items).toHaveLength(16);
    // Group advantages by hand: with c of 4 correct, mean c/4, unbiased std sqrt(c(4-c)/12).
    req.groups.forEach((g, gi) => {
      const c = correctOf(g.prompt);
      const std = Math.sqrt((c * (4 - c)) / 12);
      for (let j = 0; j < 4; j++) {
        const r = j < c ? 1 : 0;
        const expected = c === 0 || c === 4 ? 0 : (r - c / 4) / (std + 1e-6);
        expect(items.find((it) => it.rolloutId === `r${gi * 4 + j}`)!.advantage).toBeCloseTo(expected, 9);
      }
    });
    expect(engine.trains[0]!.loss).toMatchObject({
      entropyCoef: 0,
      entropyAdvAlpha: 0,
      clipLow: 0.2,
      dualClip: 3,
      miniBatchSize: 8,
    });
    expect(engine.released).toEqual([]);
    const correct = req.groups.reduce((a, g) => a + correctOf(g.prompt), 0);
    expect(record.accuracy).toBeCloseTo(correct / 16, 12);
    expect(record.rewardMean).toBeCloseTo(correct / 16, 12);
    // The engine's Train numbers, each in its own field.
    expect(record).toMatchObject({
      approxKl: 0.003,
      kl: 0.05,
      clipFractionDual: 0.004,
      clipFractionHigh: 0.02,
    });
    const zeroVar = req.groups.filter((g) => [0, 4].includes(correctOf(g.prompt))).length;
    expect(record.zeroVarianceGroupFraction).toBeCloseTo(zeroVar / 4, 12);
    expect(record).toMatchObject({
      step: 1,
      algorithm: 'grpo',
      temperature: null,
      reinforceSamples: 0,
      resampledPrompts: 0,
      responseLengthMean: 3,
      truncatedFraction: 0.25,
      loss: -0.1,
      trainedTokens: 123,
      generatedTokens: 48,
      target: 0.35,
      timings: { sample: 0.25, reward: 0.25, train: 0.25, total: 0.75 },
    });
    expect(record.entropyFullVocab).toBeCloseTo(0.3, 12);
    expect(record.entropySampledToken).toBeCloseTo(0.6, 12);
    expect(record.entropy).toBeCloseTo(0.3, 12);
    expect(record.targetLower).toBeCloseTo(0.315, 12);
    expect(record.inBand).toBe(false);
  });

  it('passes the baselines knobs through', async () => {
    const reg = make({ algorithm: 'entropy-reg', entropyRegCoef: 0.05 });
    await reg.trainer.stepOnce();
    expect(reg.engine.trains[0]!.loss).toMatchObject({ entropyCoef: 0.05, entropyAdvAlpha: 0 });
    const adv = make({ algorithm: 'entropy-adv', entropyAdvAlpha: 0.4, entropyAdvKappa: 2 });
    await adv.trainer.stepOnce();
    expect(adv.engine.trains[0]!.loss).toMatchObject({
      entropyCoef: 0,
      entropyAdvAlpha: 0.4,
      entropyAdvKappa: 2,
    });
    expect(adv.engine.samples[0]!.groups).toHaveLength(4);
  });
});

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

  it('refuses a state of another version', () => {
    const v2 = { ...make(cfg).trainer.state(), version: 2 } as unknown as TrainerState;
    expect(() => make(cfg, new FakeEngine(), v2)).toThrow(/unsupported trainer state version 2/);
  });

  it('restores a checkpoint written before the unreachable detector kept its own state', () => {
    const { reach: _reach, ...saved } = make(cfg).trainer.state();
    const old = { ...saved, missedSteps: 2, unreachableSide: 'below' } as unknown as TrainerState;
    const restored = make(cfg, new FakeEngine(), old).trainer.state();
    expect(restored.reach).toEqual({
      ...INITIAL_REACH_STATE,
      missedSteps: 2,
      side: 'below',
      reason: 'actuator-saturated',
    });
    expect(restored.step).toBe(0);
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
