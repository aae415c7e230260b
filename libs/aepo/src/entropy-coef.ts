/**
 * The second actuator of the 'dual' controller: a signed coefficient lambda of an entropy term in the
 * loss (loss = pg_loss - lambda * H; lambda > 0 raises entropy, < 0 lowers it), treated as a dual
 * variable of the constraint H = H* (as SAC's automatic temperature): it integrates the tracking
 * error, so it grows exactly as long as the primary actuator (temperature-adjusted REINFORCE) leaves
 * the entropy short of the target, and holds still once the target is held.
 *
 *   e  = clamp((H* - H~) / H*, -1, 1) minus a deadband          (H~: the smoothed entropy)
 *   dl = clamp(coefGain * e, -coefMaxStep, coefMaxStep)         (rate limit)
 *   lambda = clamp(lambda + dl, -coefLimit, coefLimit)          (clip = anti-windup)
 *
 * Conditional integration (anti-windup): lambda does not move while the entropy is already closing
 * on the target (entropy-trend.ts), so the long initial descent of a run, which the plant makes on its
 * own, does not wind it up, and it stops growing as soon as it has turned the entropy around.
 */
import type { ControllerConfig } from './config.js';
import { type EntropyTrend, isClosing } from './entropy-trend.js';
import { isClosingFast } from './retarget.js';

export interface EntropyCoefDecision {
  /** lambda for this step's loss. */
  coef: number;
  /** True when |lambda| is at coefLimit: this actuator has nothing more to give on that side. */
  saturated: boolean;
  /** True when the entropy was closing on the target (lambda held). */
  closing: boolean;
}

export type EntropyCoefSettings = Pick<
  ControllerConfig,
  'coefGain' | 'coefMaxStep' | 'coefLimit' | 'coefDeadband' | 'minProgress'
>;

/**
 * lambda for the coming step, from the last one and the entropy trend including the last measurement
 * (lambda holds before any). Pure: the same inputs give the same output.
 * @param fast after a set-point change (retarget.ts): a faster rate limit, and a closing test that
 *   asks the entropy to close fast enough rather than merely to close
 */
export function updateEntropyCoef(
  cfg: EntropyCoefSettings,
  target: number,
  trend: EntropyTrend,
  coef: number,
  fast: { maxStep: number; horizon: number } | null = null,
): EntropyCoefDecision {
  const clip = (x: number, lim: number) => Math.min(lim, Math.max(-lim, x));
  const closing = fast
    ? isClosingFast(trend, target, fast.horizon)
    : isClosing(trend, target, cfg.minProgress);
  let next = coef;
  if (!closing && trend.smoothed !== null) {
    const error = clip((target - trend.smoothed) / Math.max(target, 1e-2), 1);
    const beyond = Math.sign(error) * Math.max(0, Math.abs(error) - cfg.coefDeadband);
    next = clip(coef + clip(cfg.coefGain * beyond, fast?.maxStep ?? cfg.coefMaxStep), cfg.coefLimit);
  }
  return { coef: next, saturated: Math.abs(next) >= cfg.coefLimit - 1e-12, closing };
}
