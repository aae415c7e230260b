import { describe, expect, it } from 'vitest';
import { type AlgorithmConfigInput, resolveConfig } from './config.js';
import type {
  Completion,
  PolicyEngine,
  RewardFn,
  SampleRequest,
  SampleResult,
  TrainRequest,
  TrainResult,
} from './ports.js';
import { Trainer, type TrainerState } from './trainer.js';

/**
 * A scripted engine: prompt `q<i>` at any temperature yields `i mod (n + 1)` correct completions
 * ("yes") out of n, so q0 is all wrong, q<n> all right and the others mixed. Every completion reports
 * `entropy` (settable) as its full-vocabulary entropy and 2 * entropy as its sampled-token estimate;
 * its length alternates 2, 4 tokens. State (entropy, id counter) is plain data, so it can be cloned
 * as a "checkpoint".
 */
class FakeEngine implements PolicyEngine {
  samples: SampleRequest[] = [];
  trains: TrainRequest[] = [];
  released: string[][] = [];
  constructor(
    public st = { entropy: 0.3, nextId: 0 },
    private readonly onTrain: (st: FakeEngine['st'], req: TrainRequest) => void = () => {},
  ) {}

  async sample(req: SampleRequest): Promise<SampleResult> {
    this.samples.push(structuredClone(req));
    const groups = req.groups.map((g) => {
      const i = Number(g.prompt.slice(1));
      const correct = i % (g.n + 1);
      return Array.from({ length: g.n }, (_, j): Completion => ({
        rolloutId: req.keepRollouts ? `r${this.st.nextId++}` : '',
        text: j < correct ? 'yes' : 'no',
        tokens: j % 2 === 0 ? 2 : 4,
        finishReason: j === 3 ? 'length' : 'stop',
        entropy: this.st.entropy,
        negLogProb: 2 * this.st.entropy,
      }));
    });
    return { groups, seconds: 0 };
  }

  async train(req: TrainRequest): Promise<TrainResult> {
    this.trains.push(structuredClone(req));
    this.onTrain(this.st, req);
    return {
      entropy: 0.5,
      entropySampled: 0.6,
      policyLoss: -0.1,
      clipFractionLow: 0.01,
      clipFractionHigh: 0.02,
      clipFractionDual: 0.004,
      approxKl: 0.003,
      kl: 0.05,
      gradNorm: 0.7,
      lr: 3e-4,
      tokens: 123,
      seconds: 0,
    };
  }

  async release(ids: string[]): Promise<void> {
    this.released.push(ids);
  }
}

const reward: RewardFn = async (items) => items.map((it) => (it.completion === it.answer ? 1 : 0));
const trainSet = Array.from({ length: 8 }, (_, i) => ({ prompt: `q${i}`, answer: 'yes' }));
let clock = 0;
const now = () => (clock += 250);

function make(over: AlgorithmConfigInput, engine = new FakeEngine(), state?: TrainerState) {
  const config = resolveConfig({
    seed: 3,
    maxSteps: 6,
    rollout: { promptsPerStep: 4, samplesPerPrompt: 4, maxTokens: 8, topP: 1 },
    optim: { miniBatchSize: 8 },
    // A 10% relative band (the records' bounds below are 0.35 +- 10%).
    entropy: { target: { kind: 'constant', value: 0.35 }, bandRelative: 0.1, bandAbsolute: 0 },
    ...over,
  });
  return {
    trainer: new Trainer({ config, engine, reward, trainSet, now, ...(state ? { state } : {}) }),
    engine,
  };
}

/** The correct count of prompt q<i> with n = 4. */
const correctOf = (prompt: string) => Number(prompt.slice(1)) % 5;

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

describe('Trainer, AEPO', () => {
  // The reference rule: these tests follow its mechanism step by step ('dual' has its own tests).
  const aepo = {
    algorithm: 'aepo',
    aepo: { resampleFraction: 0.5, share: { kind: 'count', count: 60 }, controller: { mode: 'bang-bang' } },
  } as const;

  it('re-samples the first prompts in the same Sample call and mixes the positives in', async () => {
    const { trainer, engine } = make(aepo);
    const { record } = await trainer.stepOnce();
    expect(engine.samples).toHaveLength(1);
    const groups = engine.samples[0]!.groups;
    expect(groups).toHaveLength(6);
    expect(groups.slice(0, 4).every((g) => g.temperature === 1)).toBe(true);
    // First step: T_high; the re-sampled prompts are the first two of the batch.
    expect(groups.slice(4).map((g) => [g.prompt, g.temperature])).toEqual([
      [groups[0]!.prompt, 1.2],
      [groups[1]!.prompt, 1.2],
    ]);
    // Positives: correct members of mixed re-sampled groups.
    const positives = [groups[4]!, groups[5]!].reduce(
      (a, g) => a + (correctOf(g.prompt) % 4 === 0 ? 0 : correctOf(g.prompt)),
      0,
    );
    expect(positives).toBeGreaterThan(0);
    expect(record.reinforcePositives).toBe(positives);
    expect(record.reinforceSamples).toBe(positives);
    expect(record.temperature).toBe(1.2);
    const items = engine.trains[0]!.items;
    expect(items).toHaveLength(16);
    const reIds = new Set(Array.from({ length: 8 }, (_, j) => `r${16 + j}`));
    const reinforce = items.filter((it) => reIds.has(it.rolloutId));
    expect(reinforce).toHaveLength(positives);
    expect(reinforce.every((it) => it.advantage === 1)).toBe(true);
    // Every unused rollout is released: the replaced main items and the unselected re-samples.
    const released = engine.released.flat();
    expect(released).toHaveLength(positives + (8 - positives));
    const trainedIds = new Set(items.map((it) => it.rolloutId));
    expect(released.every((id) => !trainedIds.has(id))).toBe(true);
  });

  it('goes cold and halves the share when the last entropy was above target', async () => {
    const engine = new FakeEngine({ entropy: 0.5, nextId: 0 });
    const { trainer } = make({ ...aepo, maxSteps: 10 }, engine);
    const first = await trainer.stepOnce();
    expect(first.record.temperature).toBe(1.2);
    const second = await trainer.stepOnce();
    expect(second.record.temperature).toBe(0.8);
    expect(second.record.reinforceSamples).toBe(Math.floor(second.record.reinforcePositives / 2));
    expect(second.record.controllerError).toBeCloseTo((0.35 - 0.5) / 0.35, 12);
  });

  it('trains plain GRPO when no re-sample qualifies (k = 0)', async () => {
    const { trainer, engine } = make({ ...aepo, aepo: { ...aepo.aepo, positiveThreshold: 5 } });
    const { record } = await trainer.stepOnce();
    expect(record.reinforceSamples).toBe(0);
    expect(engine.trains[0]!.items.map((i) => i.rolloutId).sort()).toEqual(
      Array.from({ length: 16 }, (_, i) => `r${i}`).sort(),
    );
  });

  it('caps k by a fraction share', async () => {
    // 10% of 16 items = 1
    const { trainer } = make({ ...aepo, aepo: { ...aepo.aepo, share: { kind: 'fraction', fraction: 0.1 } } });
    const { record } = await trainer.stepOnce();
    expect(record.reinforceLimit).toBe(1);
    expect(record.reinforceSamples).toBe(Math.min(1, record.reinforcePositives));
  });

  it('reports an unreachable target after N saturated misses, and its recovery', async () => {
    const engine = new FakeEngine({ entropy: 0.1, nextId: 0 });
    const { trainer } = make({ ...aepo, maxSteps: 20, entropy: { unreachableAfterSteps: 3 } }, engine);
    const out = [];
    for (let i = 0; i < 14; i++) out.push(await trainer.stepOnce());
    // Nothing counts until the entropy trend is known (11 steps: the first decides without a
    // measurement, the next 10 warm the trend up); then 3 saturated misses in a row.
    expect(out.map((o) => o.record.missedSteps)).toEqual([...Array(11).fill(0), 1, 2, 3]);
    expect(out.map((o) => o.record.targetUnreachable)).toEqual([...Array(13).fill(false), true]);
    expect(out[13]!.events).toHaveLength(1);
    expect(out[13]!.events[0]).toMatchObject({
      kind: 'target-unreachable',
      side: 'below',
      reason: 'actuator-saturated',
      step: 14,
    });
    expect(out[13]!.record).toMatchObject({
      unreachableSide: 'below',
      unreachableReason: 'actuator-saturated',
    });
    // Live change to a reachable target: applies from the next step, which is back in band.
    const changed = trainer.setTarget({ kind: 'constant', value: 0.1 });
    expect(changed).toMatchObject({ kind: 'target-changed', fromStep: 15 });
    const next = await trainer.stepOnce();
    expect(next.record.target).toBe(0.1);
    expect(next.record.targetUnreachable).toBe(false);
    expect(next.events.map((e) => e.kind)).toEqual(['target-changed', 'target-reachable']);
  });

  it('uses the proportional rule on the temperature from the second step', async () => {
    const engine = new FakeEngine({ entropy: 0.315, nextId: 0 });
    const { trainer } = make(
      { ...aepo, aepo: { ...aepo.aepo, tHigh: 1.5, controller: { mode: 'proportional', kp: 2 } } },
      engine,
    );
    await trainer.stepOnce();
    const { record } = await trainer.stepOnce();
    // e = (0.35 - 0.315) / 0.35 = 0.1 -> T = 1.2
    expect(record.temperature).toBeCloseTo(1.2, 12);
    expect(engine.samples[1]!.groups[4]!.temperature).toBeCloseTo(1.2, 12);
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
