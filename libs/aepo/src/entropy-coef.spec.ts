import { describe, expect, it } from 'vitest';
import { type ControllerConfig, resolveConfig } from './config.js';
import { updateEntropyCoef } from './entropy-coef.js';
import { type EntropyTrend, INITIAL_ENTROPY_TREND, updateTrend } from './entropy-trend.js';

/** One step of the law as the controller runs it: the trend takes the measurement, then lambda moves. */
function lawStep(
  cfg: ControllerConfig,
  target: number,
  h: number,
  st: { trend: EntropyTrend; coef: number },
) {
  const trend = updateTrend(st.trend, h);
  const decision = updateEntropyCoef(cfg, target, trend, st.coef);
  return { decision, state: { trend, coef: decision.coef } };
}
/** A trend that has seen enough steps to count and moves nowhere. */
const steady = (h: number): EntropyTrend => ({ smoothed: h, trend: 0, seen: 20 });

function law(over: Partial<ControllerConfig> = {}): ControllerConfig {
  return resolveConfig({ aepo: { controller: { mode: 'dual', ...over } } }).aepo.controller;
}

/**
 * A first-order plant standing in for the policy: each step entropy relaxes toward where the
 * training alone would take it (`rest`), shifted by `gainPerCoef` per unit of lambda, with time
 * constant `tau` steps. The first actuator is folded into `rest` (its reach is what is left over).
 */
function simulate(
  cfg: ControllerConfig,
  opts: { target: number; start: number; rest: number; gainPerCoef: number; tau: number; steps: number },
) {
  let h = opts.start;
  let state = { trend: INITIAL_ENTROPY_TREND, coef: 0 };
  const hs: number[] = [];
  const coefs: number[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const { decision, state: next } = lawStep(cfg, opts.target, h, state);
    state = next;
    const goal = Math.max(0.01, opts.rest + opts.gainPerCoef * decision.coef);
    h += (goal - h) / opts.tau;
    hs.push(h);
    coefs.push(decision.coef);
  }
  return { hs, coefs };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('entropy-coefficient dual variable', () => {
  it('step response: settles on a target above where the plant rests, lambda > 0', () => {
    const { hs, coefs } = simulate(law(), {
      target: 0.5,
      start: 0.4,
      rest: 0.4,
      gainPerCoef: 4,
      tau: 20,
      steps: 600,
    });
    expect(Math.abs(mean(hs.slice(400)) - 0.5) / 0.5).toBeLessThan(0.03);
    expect(coefs.at(-1)!).toBeGreaterThan(0.015);
    expect(coefs.at(-1)!).toBeLessThan(0.04);
  });

  it('step response: settles on a target below where the plant rests, lambda < 0', () => {
    const { hs, coefs } = simulate(law(), {
      target: 0.3,
      start: 0.4,
      rest: 0.4,
      gainPerCoef: 4,
      tau: 20,
      steps: 600,
    });
    expect(Math.abs(mean(hs.slice(400)) - 0.3) / 0.3).toBeLessThan(0.03);
    expect(coefs.at(-1)!).toBeLessThan(-0.015);
  });

  it('holds still while the entropy closes on the target by itself (no windup in the descent)', () => {
    // The plant falls from 0.65 to rest at 0.4 (time constant 80 steps); target 0.45 is on the way.
    const { coefs, hs } = simulate(law(), {
      target: 0.45,
      start: 0.65,
      rest: 0.4,
      gainPerCoef: 4,
      tau: 80,
      steps: 600,
    });
    const crossed = hs.findIndex((h) => h <= 0.45);
    expect(crossed).toBeGreaterThan(20);
    expect(Math.max(...coefs.slice(0, crossed).map(Math.abs))).toBeLessThan(0.005);
    expect(Math.abs(mean(hs.slice(400)) - 0.45) / 0.45).toBeLessThan(0.03);
  });

  it('saturation: at an unreachable target lambda stops at its clip and reports it', () => {
    const cfg = law({ coefLimit: 0.05 });
    let state = { trend: INITIAL_ENTROPY_TREND, coef: 0 };
    let last = { coef: 0, saturated: false, closing: false };
    for (let i = 0; i < 300; i++) {
      const r = lawStep(cfg, 0.8, 0.4, state);
      state = r.state;
      last = r.decision;
    }
    expect(last).toEqual({ coef: 0.05, saturated: true, closing: false });
  });

  it('rate limit: lambda moves at most coefMaxStep per step, whatever the error', () => {
    const cfg = law({ coefGain: 1, coefMaxStep: 0.001 });
    expect(updateEntropyCoef(cfg, 0.5, steady(0.1), 0).coef).toBeCloseTo(0.001, 12);
  });

  it('anti-windup: after a long saturated stretch it recovers within a bounded time', () => {
    // lambda pinned at +limit by an unreachable target, then the target drops to one the plant holds.
    const cfg = law({ coefLimit: 0.05 });
    let state = { trend: steady(0.45), coef: 0.05 };
    let h = 0.45;
    const hs: number[] = [];
    for (let i = 0; i < 400; i++) {
      const { decision, state: next } = lawStep(cfg, 0.35, h, state);
      state = next;
      h += (0.35 + 4 * decision.coef - h) / 20;
      hs.push(h);
    }
    // Clipped at 0.05, not wound up past it: back in a 10% band within 150 steps, and staying.
    const firstIn = hs.findIndex((x) => Math.abs(x - 0.35) <= 0.035);
    expect(firstIn).toBeGreaterThanOrEqual(0);
    expect(firstIn).toBeLessThan(150);
    expect(Math.abs(mean(hs.slice(250)) - 0.35) / 0.35).toBeLessThan(0.03);
  });

  it('deadband: errors within it leave lambda unchanged', () => {
    const cfg = law({ coefDeadband: 0.05 });
    expect(updateEntropyCoef(cfg, 0.5, steady(0.49), 0.01).coef).toBe(0.01);
  });

  it('is deterministic and leaves lambda alone until the trend is known', () => {
    expect(updateEntropyCoef(law(), 0.5, steady(0.3), 0)).toEqual(
      updateEntropyCoef(law(), 0.5, steady(0.3), 0),
    );
    let st = { trend: INITIAL_ENTROPY_TREND, coef: 0 };
    for (let i = 0; i < 10; i++) st = lawStep(law(), 0.5, 0.3, st).state;
    expect(st.coef).toBe(0);
    expect(lawStep(law(), 0.5, 0.3, st).decision.coef).toBeGreaterThan(0);
  });
});
