/**
 * How the 'dual' controller follows a set-point change (a schedule step or a live retarget): for a
 * window of steps after the target jumps, its second actuator works as a fast PI loop instead of the
 * slow, conditionally integrating dual variable that holds a constant target (entropy-coef.ts).
 *
 * Measured on tiny-arith (docs/benchmarks.md) before this existed: after a jump between 0.5 and 0.8
 * H0 the entropy took 145 steps to follow up and 215 down. lambda's operating point belonged to the
 * old target and pushed the wrong way, its rate limit (coefMaxStep) unwound it slowly, and while the
 * entropy drifted toward the new target on its own it counted as closing, so lambda held.
 *
 * On a jump (|H*_k - H*_{k-1}| > threshold x H*_k):
 *  - re-seed: a lambda that pushes away from the new target is dropped to 0 (anti-windup on
 *    retarget: it was the old target's operating point);
 * then for `steps` steps:
 *  - lambda's integrator moves at up to `maxStep` per step, and holds only while the entropy closes
 *    on the target fast enough to get there within `horizon` steps (not merely closing);
 *  - the applied lambda adds a proportional kick `gain` x e (e the relative error of the smoothed
 *    entropy), fading linearly to 0 over the window, so the applied lambda is continuous when the
 *    window ends and the slow law takes over from the integrator;
 *  - back-calculation (controller.ts): while the kick already drives lambda into its clip, the
 *    integrator does not move further that way. tiny-arith answers lambda some 40 steps late after a
 *    step up; an integrator running through that lag wound up and overshot (docs/benchmarks.md).
 * At a constant target none of this engages: the controller is bit-identical to the law without it.
 * The decision's `closing` flag (which the unreachable-target detector reads) keeps the slow law's
 * test, so a window's stricter test does not make a target look unreachable while it is followed.
 */
import type { EntropyTrend } from './entropy-trend.js';
import { TREND_WARMUP_STEPS } from './entropy-trend.js';

export interface FollowSettings {
  /** Relative change of H* from one step to the next that counts as a set-point change. 0: off. */
  readonly threshold: number;
  /** Steps after a set-point change that the fast law runs. */
  readonly steps: number;
  /** Proportional kick on lambda per unit of relative error, at the start of the window. */
  readonly gain: number;
  /** Rate limit of lambda's integrator inside the window (the slow law's is coefMaxStep). */
  readonly maxStep: number;
  /** Inside the window the integrator holds only while the trend would close the gap within this. */
  readonly horizon: number;
}

export const DEFAULT_FOLLOW: FollowSettings = Object.freeze({
  threshold: 0.05,
  steps: 150,
  gain: 0.6,
  maxStep: 0.003,
  horizon: 40,
});

/** Where the controller is in following a set-point change (part of ControllerState). */
export interface FollowState {
  /** H* of the last step; null before the first (or in a state checkpointed before this existed). */
  target: number | null;
  /** Steps of the fast window left, counting the coming one; 0 outside a window. */
  left: number;
}

export const INITIAL_FOLLOW_STATE: FollowState = Object.freeze({ target: null, left: 0 });

export interface FollowStep {
  state: FollowState;
  /** lambda's integrator to continue from (re-seeded on a jump). */
  coef: number;
  /** Inside a window: the fast integration settings and the proportional kick; null outside. */
  fast: { maxStep: number; horizon: number; kick: number } | null;
}

/** True when a step of H* from `previous` to `target` counts as a set-point change. */
export function isSetPointChange(cfg: FollowSettings, previous: number | null, target: number): boolean {
  if (cfg.threshold <= 0 || previous === null) return false;
  return Math.abs(target - previous) > cfg.threshold * Math.max(target, 1e-2);
}

/** The window's state and settings for the coming step. Pure. */
export function followStep(
  cfg: FollowSettings,
  st: FollowState,
  target: number,
  trend: EntropyTrend,
  coef: number,
): FollowStep {
  let left = st.left;
  let seeded = coef;
  if (isSetPointChange(cfg, st.target, target)) {
    left = cfg.steps;
    const up = target > (st.target ?? target);
    if (up ? coef < 0 : coef > 0) seeded = 0;
  }
  const state: FollowState = { target, left: Math.max(0, left - 1) };
  if (left <= 0 || trend.smoothed === null || trend.seen <= TREND_WARMUP_STEPS) {
    return { state, coef: seeded, fast: null };
  }
  const error = Math.min(1, Math.max(-1, (target - trend.smoothed) / Math.max(target, 1e-2)));
  const kick = cfg.gain * error * (left / cfg.steps);
  return { state, coef: seeded, fast: { maxStep: cfg.maxStep, horizon: cfg.horizon, kick } };
}

/**
 * Inside a window: the entropy closes on the target fast enough when its trend would cover the gap
 * within `horizon` steps.
 */
export function isClosingFast(t: EntropyTrend, target: number, horizon: number): boolean {
  if (t.smoothed === null) return true;
  const gap = target - t.smoothed;
  return Math.sign(t.trend) === Math.sign(gap) && Math.abs(t.trend) * horizon >= Math.abs(gap);
}
