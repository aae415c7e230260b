/**
 * Where the measured entropy is heading: an exponential average of the step-to-step entropy (noisy:
 * about 0.02 nats SD per step at 256 samples) and of its change per step. The controller's second
 * actuator and the unreachable-target detector both ask one question of it: is the entropy already
 * closing on the target on its own (the initial descent of a run, or the first actuator at work)?
 */

export interface EntropyTrend {
  /** Exponential average of the measured entropy; null before the first measurement. */
  smoothed: number | null;
  /** Exponential average of the smoothed entropy's change per step. */
  trend: number;
  /** Measurements seen. */
  seen: number;
}

export const INITIAL_ENTROPY_TREND: EntropyTrend = Object.freeze({ smoothed: null, trend: 0, seen: 0 });

/** Weight of the newest value in both averages (about a 10-step memory each). */
const SMOOTHING = 0.1;
/** Measurements before the trend counts as known; until then the entropy counts as closing. */
export const TREND_WARMUP_STEPS = 10;

export function updateTrend(t: EntropyTrend, entropy: number): EntropyTrend {
  if (t.smoothed === null) return { smoothed: entropy, trend: 0, seen: 1 };
  const smoothed = t.smoothed + SMOOTHING * (entropy - t.smoothed);
  return { smoothed, trend: t.trend + SMOOTHING * (smoothed - t.smoothed - t.trend), seen: t.seen + 1 };
}

/**
 * True while the smoothed entropy moves toward `target` by at least `minProgress` x target per step,
 * or while the trend is not known yet (the first TREND_WARMUP_STEPS measurements).
 */
export function isClosing(t: EntropyTrend, target: number, minProgress: number): boolean {
  if (t.smoothed === null || t.seen <= TREND_WARMUP_STEPS) return true;
  const gap = target - t.smoothed;
  return Math.sign(t.trend) === Math.sign(gap) && Math.abs(t.trend) >= minProgress * Math.max(target, 1e-2);
}
