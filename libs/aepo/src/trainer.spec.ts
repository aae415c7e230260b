import { describe, expect, it } from 'vitest';
import { correctOf, FakeEngine, make } from './testing/trainer-fixtures.js';

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
