import { describe, expect, it } from 'vitest';
import { type AepoConfig, ConfigError, resolveConfig } from './config.js';
import { INITIAL_CONTROLLER_STATE, completeControllerState, decideTemperature } from './controller.js';
import { type FollowSettings, type FollowState, followStep, isSetPointChange } from './retarget.js';
import { TINY_ARITH_PLANT, simulatePlant } from './testing/entropy-plant.js';

/** The dual controller with the knobs the tiny-arith experiments use. */
function dual(follow: Partial<FollowSettings> = {}, over: Partial<AepoConfig['controller']> = {}) {
  return resolveConfig({ aepo: { tHigh: 1.5, tLow: 0.6, controller: { mode: 'dual', ...over, follow } } })
    .aepo;
}
const OFF = { threshold: 0 };
const jump =
  (before: number, after: number, at = 301) =>
  (step: number) =>
    step < at ? before : after;

/** Steps after `from` (0-based) until the 5-step mean entropy is within 10% of the target (as the experiment). */
function stepsToFollow(entropy: number[], target: (step: number) => number, from: number): number {
  for (let i = from; i < entropy.length; i++) {
    const w = entropy.slice(Math.max(from, i - 4), i + 1);
    const t = target(i + 1);
    if (Math.abs(w.reduce((a, b) => a + b, 0) / w.length - t) <= 0.1 * t) return i - from + 1;
  }
  return Infinity;
}
const meanAbsError = (xs: number[], t: number) => xs.reduce((a, x) => a + Math.abs(x - t), 0) / xs.length / t;

describe('dual controller: following a set-point change', () => {
  it('is bit-identical at a constant target (the trajectory recorded before the follow law existed)', () => {
    // Recorded with the law of entropy-coef.ts alone (commit 46b5d2d): lambda at steps 100, 300, 600,
    // the last entropy, and the sum of all 600 entropies of the simulated plant.
    const recorded: Record<number, number[]> = {
      0.32: [0, -0.03965096594194684, -0.04005700670429662, 0.3313106255119314, 209.08746300577818],
      0.511: [
        0.059683060955691314, 0.05965491849687644, 0.057503345744835344, 0.5244063440813238, 306.566512791162,
      ],
    };
    for (const target of [0.32, 0.511]) {
      const on = simulatePlant(dual(), () => target, 600);
      const off = simulatePlant(dual(OFF), () => target, 600);
      expect(on.entropy).toEqual(off.entropy);
      expect(on.coef).toEqual(off.coef);
      const sum = on.entropy.reduce((a, b) => a + b, 0);
      expect([on.coef[99], on.coef[299], on.coef[599], on.entropy[599], sum]).toEqual(recorded[target]);
    }
  });

  for (const [name, before, after] of [
    ['up', 0.32, 0.511],
    ['down', 0.511, 0.32],
  ] as const) {
    it(`step response ${name}: follows within 40 steps and settles, where the slow law alone takes over 100`, () => {
      for (const tau of [20, 30, 50]) {
        const plant = { ...TINY_ARITH_PLANT, tau };
        const fast = simulatePlant(dual(), jump(before, after), 600, plant);
        const slow = simulatePlant(dual(OFF), jump(before, after), 600, plant);
        expect(stepsToFollow(fast.entropy, jump(before, after), 300)).toBeLessThanOrEqual(40);
        expect(stepsToFollow(slow.entropy, jump(before, after), 300)).toBeGreaterThan(100);
        // Settled, not oscillating: the last 200 steps sit at the noise floor around the new target.
        expect(meanAbsError(fast.entropy.slice(400), after)).toBeLessThan(0.065);
      }
      // lambda acting 15 steps late (the optimizer's momentum), as tiny-arith's response suggests.
      const late = simulatePlant(dual(), jump(before, after), 600, {
        ...TINY_ARITH_PLANT,
        tau: 20,
        delay: 15,
      });
      expect(stepsToFollow(late.entropy, jump(before, after), 300)).toBeLessThanOrEqual(40);
    });
  }

  it('re-seeds on the jump: a lambda pushing away from the new target is dropped, one pushing toward it kept', () => {
    const settings = dual().controller.follow;
    const trend = { smoothed: 0.5, trend: 0, seen: 50 };
    const st = { target: 0.5, left: 0 };
    expect(followStep(settings, st, 0.3, trend, 0.05).coef).toBe(0);
    expect(followStep(settings, st, 0.3, trend, -0.05).coef).toBe(-0.05);
    expect(followStep(settings, st, 0.8, trend, -0.05).coef).toBe(0);
    expect(followStep(settings, st, 0.8, trend, 0.05).coef).toBe(0.05);
    // No jump: untouched, no window.
    expect(followStep(settings, st, 0.5, trend, 0.05)).toEqual({
      state: { target: 0.5, left: 0 },
      coef: 0.05,
      fast: null,
    });
  });

  it('opens a window on a schedule step or a live retarget, not on a slow ramp', () => {
    const s = dual().controller.follow;
    expect(isSetPointChange(s, 0.3, 0.5)).toBe(true);
    expect(isSetPointChange(s, 0.5, 0.3)).toBe(true);
    expect(isSetPointChange(s, null, 0.5)).toBe(false);
    // A linear ramp 0.3 -> 0.5 over 100 steps moves 0.002 per step: well under 5%.
    expect(isSetPointChange(s, 0.4, 0.402)).toBe(false);
    expect(isSetPointChange({ ...s, threshold: 0 }, 0.3, 0.5)).toBe(false);
    // The window counts down and its kick fades to 0, so lambda is continuous when the slow law resumes.
    const trend = { smoothed: 0.3, trend: 0, seen: 50 };
    let st: FollowState = { target: 0.3, left: 0 };
    const kicks: number[] = [];
    for (let i = 0; i < s.steps + 2; i++) {
      const f = followStep(s, st, 0.5, trend, 0);
      st = f.state;
      kicks.push(f.fast?.kick ?? 0);
    }
    expect(kicks[0]).toBeCloseTo(s.gain * 0.4, 12);
    expect(kicks[s.steps - 1]).toBeCloseTo((s.gain * 0.4) / s.steps, 12);
    expect(kicks.slice(s.steps)).toEqual([0, 0]);
    for (let i = 1; i < s.steps; i++) expect(kicks[i]).toBeLessThan(kicks[i - 1]!);
  });

  it('saturation: at an unreachable new target lambda stops at its clip and the decision says so', () => {
    // The plant cannot get above 0.4 + 0.02 + 2 x 0.05 = 0.52; the target jumps to 0.9.
    const cfg = dual({}, { coefLimit: 0.05 });
    const trace = simulatePlant(cfg, jump(0.45, 0.9), 500);
    expect(Math.max(...trace.coef.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(trace.coef.at(-1)).toBe(0.05);
    const { decision } = decideTemperature(cfg, 0.9, trace.entropy.at(-1)!, trace.state);
    expect(decision).toMatchObject({ entropyCoef: 0.05, saturation: 'high', temperature: 1.5 });
  });

  it('back-calculation: while the kick drives lambda into its clip, the integrator holds', () => {
    const cfg = dual();
    const state = {
      ...INITIAL_CONTROLLER_STATE,
      trend: { smoothed: 0.3, trend: 0, seen: 50 },
      follow: { target: 0.3, left: 0 },
    };
    // Jump 0.3 -> 0.5: kick 0.6 x 0.4 = 0.24 > the clip 0.2.
    const r = decideTemperature(cfg, 0.5, 0.3, state);
    expect(r.decision.entropyCoef).toBe(0.2);
    expect(r.state.entropyCoef).toBe(0);
    expect(r.state.follow).toEqual({ target: 0.5, left: cfg.controller.follow.steps - 1 });
    // With a clip the kick stays under, the integrator moves (at the window's rate limit).
    const wide = decideTemperature(dual({}, { coefLimit: 1 }), 0.5, 0.3, state);
    expect(wide.state.entropyCoef).toBeCloseTo(cfg.controller.follow.maxStep, 12);
    expect(wide.decision.entropyCoef).toBeCloseTo(0.24 + cfg.controller.follow.maxStep, 12);
  });

  it('anti-windup: after a long stretch pinned at the clip it turns around at once', () => {
    // Pinned at +limit by an unreachable target, then a jump down to one the plant barely holds: with
    // lambda at -limit the plant's own lag needs about 47 steps (0.52 -> 0.33 toward 0.28, tau 30).
    const cfg = dual({}, { coefLimit: 0.05 });
    const fast = simulatePlant(cfg, jump(0.9, 0.3, 200), 600);
    const slow = simulatePlant(dual(OFF, { coefLimit: 0.05 }), jump(0.9, 0.3, 200), 600);
    expect(fast.coef[198]).toBe(0.05);
    expect(fast.coef[199]).toBe(-0.05);
    expect(Math.min(...fast.coef)).toBeGreaterThanOrEqual(-0.05);
    expect(stepsToFollow(fast.entropy, jump(0.9, 0.3, 200), 199)).toBeLessThanOrEqual(60);
    expect(stepsToFollow(slow.entropy, jump(0.9, 0.3, 200), 199)).toBeGreaterThan(150);
    expect(meanAbsError(fast.entropy.slice(400), 0.3)).toBeLessThan(0.065);
  });

  it('a state checkpointed before the follow law existed resumes with no window open', () => {
    const old = { integral: 0, trend: { smoothed: 0.4, trend: 0, seen: 30 }, entropyCoef: 0.01 };
    expect(completeControllerState(old).follow).toEqual({ target: null, left: 0 });
    // The first step after the restore records the target; it is not taken for a jump.
    const { state } = decideTemperature(dual(), 0.6, 0.4, completeControllerState(old));
    expect(state.follow).toEqual({ target: 0.6, left: 0 });
    expect(INITIAL_CONTROLLER_STATE.follow.target).toBeNull();
  });

  it('rejects bad follow settings naming the field', () => {
    const bad = () =>
      resolveConfig({ aepo: { controller: { follow: { steps: 0.5, horizon: 0, threshold: -1 } } } });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        expect.stringMatching(/^aepo\.controller\.follow\.threshold: /),
        expect.stringMatching(/^aepo\.controller\.follow\.steps: /),
        expect.stringMatching(/^aepo\.controller\.follow\.horizon: /),
      ]);
    }
  });
});
