import { describe, expect, it } from 'vitest';
import { type ControllerConfig, resolveConfig } from './config.js';
import { type EntropyCoefState, INITIAL_ENTROPY_COEF_STATE, updateEntropyCoef } from './entropy-coef.js';

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
  let state: EntropyCoefState = INITIAL_ENTROPY_COEF_STATE;
  const hs: number[] = [];
  const coefs: number[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const { decision, state: next } = updateEntropyCoef(cfg, opts.target, i === 0 ? null : h, state);
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
    let state: EntropyCoefState = INITIAL_ENTROPY_COEF_STATE;
    let last = { coef: 0, saturated: false, closing: false };
    for (let i = 0; i < 300; i++) {
      const r = updateEntropyCoef(cfg, 0.8, 0.4, state);
      state = r.state;
      last = r.decision;
    }
    expect(last).toEqual({ coef: 0.05, saturated: true, closing: false });
  });

  it('rate limit: lambda moves at most coefMaxStep per step, whatever the error', () => {
    const cfg = law({ coefGain: 1, coefMaxStep: 0.001 });
    const r = updateEntropyCoef(cfg, 0.5, 0.1, { coef: 0, smoothed: 0.1, trend: 0, seen: 20 });
    expect(r.decision.coef).toBeCloseTo(0.001, 12);
  });

  it('anti-windup: after a long saturated stretch it recovers within a bounded time', () => {
    // lambda pinned at +limit by an unreachable target, then the target drops to one the plant holds.
    const cfg = law({ coefLimit: 0.05 });
    let state: EntropyCoefState = { coef: 0.05, smoothed: 0.45, trend: 0, seen: 20 };
    let h = 0.45;
    const hs: number[] = [];
    for (let i = 0; i < 400; i++) {
      const { decision, state: next } = updateEntropyCoef(cfg, 0.35, h, state);
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
    const r = updateEntropyCoef(cfg, 0.5, 0.49, { coef: 0.01, smoothed: 0.49, trend: 0, seen: 20 });
    expect(r.decision.coef).toBe(0.01);
  });

  it('is deterministic and leaves lambda alone before the first measurement', () => {
    const a = updateEntropyCoef(law(), 0.5, 0.3, INITIAL_ENTROPY_COEF_STATE);
    const b = updateEntropyCoef(law(), 0.5, 0.3, INITIAL_ENTROPY_COEF_STATE);
    expect(a).toEqual(b);
    expect(updateEntropyCoef(law(), 0.5, null, INITIAL_ENTROPY_COEF_STATE).decision.coef).toBe(0);
  });
});
