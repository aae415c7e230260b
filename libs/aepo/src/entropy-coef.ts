/**
 * The second actuator of the 'dual' controller: a signed coefficient lambda of an entropy term in the
 * loss (loss = pg_loss - lambda * H; lambda > 0 raises entropy, < 0 lowers it), treated as a dual
 * variable of the constraint H = H* (as SAC's automatic temperature): it integrates the tracking
 * error, so it grows exactly as long as the primary actuator (temperature-adjusted REINFORCE) leaves
 * the entropy short of the target, and holds still once the target is held.
 *
 *   e  = clamp((H* - H) / H*, -1, 1), minus a deadband
 *   dl = clamp(coefGain * e, -coefMaxStep, coefMaxStep)             (rate limit)
 *   lambda = clamp(lambda + dl, -coefLimit, coefLimit)              (clip = anti-windup)
 *
 * Conditional integration (anti-windup): lambda does not move while the smoothed entropy is already
 * closing on the target by at least coefMinProgress x H* per step, so the long initial descent of a
 * run (which the plant makes on its own) does not wind it up, and it stops growing as soon as it has
 * turned the entropy around.
 */
import type { ControllerConfig } from './config.js';

/** What the law remembers between steps (part of the checkpointed controller state). */
export interface EntropyCoefState {
  /** The coefficient lambda used at the last step. */
  coef: number;
  /** Exponential average of the measured entropy (null before the first measurement). */
  smoothed: number | null;
  /** Exponential average of the smoothed entropy's change per step. */
  trend: number;
  /** Measurements seen (lambda holds until the trend is known). */
  seen: number;
}

export const INITIAL_ENTROPY_COEF_STATE: EntropyCoefState = Object.freeze({
  coef: 0,
  smoothed: null,
  trend: 0,
  seen: 0,
});

/** Weight of the newest value in both exponential averages (about a 10-step memory each). */
const SMOOTHING = 0.1;
/** Measurements before the trend counts as known: lambda holds until then. */
const WARMUP = 10;

export interface EntropyCoefDecision {
  /** lambda for this step's loss. */
  coef: number;
  /** True when |lambda| is at coefLimit: this actuator has nothing more to give on that side. */
  saturated: boolean;
  /** True when the entropy was closing on the target (lambda held). */
  closing: boolean;
}

/**
 * lambda for the coming step from the last measured entropy (null before any: lambda stays).
 * Pure: the same inputs give the same output.
 */
export function updateEntropyCoef(
  cfg: Pick<ControllerConfig, 'coefGain' | 'coefMaxStep' | 'coefLimit' | 'coefDeadband' | 'coefMinProgress'>,
  target: number,
  entropy: number | null,
  state: EntropyCoefState,
): { decision: EntropyCoefDecision; state: EntropyCoefState } {
  const clip = (x: number, lim: number) => Math.min(lim, Math.max(-lim, x));
  const saturated = (coef: number) => Math.abs(coef) >= cfg.coefLimit - 1e-12;
  if (entropy === null) {
    return { decision: { coef: state.coef, saturated: saturated(state.coef), closing: false }, state };
  }
  const smoothed =
    state.smoothed === null ? entropy : state.smoothed + SMOOTHING * (entropy - state.smoothed);
  const trend =
    state.smoothed === null ? 0 : state.trend + SMOOTHING * (smoothed - state.smoothed - state.trend);
  const scale = Math.max(target, 1e-2);
  const gap = target - smoothed;
  const seen = state.seen + 1;
  const closing =
    seen <= WARMUP || (Math.sign(trend) === Math.sign(gap) && Math.abs(trend) >= cfg.coefMinProgress * scale);
  const error = clip(gap / scale, 1);
  const beyond = Math.sign(error) * Math.max(0, Math.abs(error) - cfg.coefDeadband);
  const step = closing ? 0 : clip(cfg.coefGain * beyond, cfg.coefMaxStep);
  const coef = clip(state.coef + step, cfg.coefLimit);
  return {
    decision: { coef, saturated: saturated(coef), closing },
    state: { coef, smoothed, trend, seen },
  };
}
