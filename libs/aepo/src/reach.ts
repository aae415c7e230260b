/**
 * Honest unreachable-target detection: a target is reported out of reach, with the reason, when
 *  - 'actuator-saturated': the entropy has stayed outside its band, on the side the controller
 *    already pushes against with everything it has (every actuator at its limit), without closing on
 *    the target, for N steps in a row. Steps where the entropy is still closing on the target (the
 *    initial descent of a run, or an actuator at work) never count, so the detector stays quiet while
 *    the run is getting there.
 *  - 'accuracy-cost': the smoothed on-policy accuracy has stayed at least `accuracyDrop` below its
 *    best of the run for N steps in a row: holding this entropy costs the policy its accuracy.
 * Each reason is cleared when it no longer holds: back in band for the first, accuracy back within
 * half the drop of its best for the second.
 */
import type { TrainerEvent } from './records.js';

export type UnreachableReason = 'actuator-saturated' | 'accuracy-cost';

/** Serialisable detector memory (part of the trainer's checkpointed state). */
export interface ReachState {
  /** Consecutive steps outside the band with the controller at its limit and not closing. */
  missedSteps: number;
  /** Consecutive steps with the smoothed accuracy `accuracyDrop` below its best. */
  costlySteps: number;
  /** Exponential average of the on-policy accuracy (null before the first step) and its best. */
  accuracy: number | null;
  bestAccuracy: number;
  /** Steps whose accuracy has been averaged. */
  seen: number;
  /** Set while the target is reported unreachable. */
  side: 'below' | 'above' | null;
  reason: UnreachableReason | null;
}

export const INITIAL_REACH_STATE: ReachState = Object.freeze({
  missedSteps: 0,
  costlySteps: 0,
  accuracy: null,
  bestAccuracy: 0,
  seen: 0,
  side: null,
  reason: null,
});

/** Weight of the newest step in the accuracy average (about a 20-step memory). */
const ACCURACY_SMOOTHING = 0.05;
/** Steps before the accuracy average and its best count. */
const ACCURACY_WARMUP = 20;

export interface ReachInputs {
  step: number;
  target: number;
  entropy: number;
  band: { lower: number; upper: number };
  accuracy: number;
  /** The controller's decision for this step. */
  saturation: 'high' | 'low' | 'none';
  closing: boolean;
}

export interface ReachSettings {
  /** Steps in a row before reporting; 0 turns detection off. */
  afterSteps: number;
  /** Accuracy drop (absolute) below the run's best that counts as a cost; 0 turns that reason off. */
  accuracyDrop: number;
}

/** The detector's state after a step, and the events it raises. Pure. */
export function assessReach(
  cfg: ReachSettings,
  st: ReachState,
  x: ReachInputs,
): { state: ReachState; events: TrainerEvent[] } {
  const accuracy =
    st.accuracy === null ? x.accuracy : st.accuracy + ACCURACY_SMOOTHING * (x.accuracy - st.accuracy);
  const seen = st.seen + 1;
  const bestAccuracy = seen > ACCURACY_WARMUP ? Math.max(st.bestAccuracy, accuracy) : st.bestAccuracy;
  const inBand = x.entropy >= x.band.lower && x.entropy <= x.band.upper;
  const side = x.entropy < x.band.lower ? 'below' : 'above';
  const stuck =
    !x.closing &&
    ((x.saturation === 'high' && x.entropy < x.band.lower) ||
      (x.saturation === 'low' && x.entropy > x.band.upper));
  const costly =
    cfg.accuracyDrop > 0 && seen > ACCURACY_WARMUP && accuracy <= bestAccuracy - cfg.accuracyDrop;
  const next: ReachState = {
    ...st,
    accuracy,
    bestAccuracy,
    seen,
    missedSteps: stuck ? st.missedSteps + 1 : 0,
    costlySteps: costly ? st.costlySteps + 1 : 0,
  };
  const events: TrainerEvent[] = [];
  if (cfg.afterSteps <= 0) return { state: next, events };
  const base = { step: x.step, target: x.target, entropy: x.entropy };
  if (st.reason === null) {
    let reason: UnreachableReason | null = null;
    let message = '';
    if (next.missedSteps >= cfg.afterSteps) {
      reason = 'actuator-saturated';
      message =
        `entropy ${x.entropy.toFixed(4)} has stayed ${side} the band [${x.band.lower.toFixed(4)}, ${x.band.upper.toFixed(4)}] ` +
        `for ${next.missedSteps} steps, not closing on it, with every actuator at its ${side === 'below' ? 'highest' : 'lowest'} setting`;
    } else if (next.costlySteps >= cfg.afterSteps) {
      reason = 'accuracy-cost';
      message =
        `holding the entropy toward ${x.target.toFixed(4)} costs accuracy: smoothed on-policy accuracy ${accuracy.toFixed(3)} ` +
        `has stayed at least ${cfg.accuracyDrop} below the run's best ${bestAccuracy.toFixed(3)} for ${next.costlySteps} steps`;
    }
    if (reason !== null) {
      next.reason = reason;
      next.side = side;
      events.push({ kind: 'target-unreachable', ...base, side, reason, message });
    }
  } else {
    const recovered =
      st.reason === 'actuator-saturated' ? inBand : accuracy > bestAccuracy - cfg.accuracyDrop / 2;
    if (recovered) {
      next.reason = null;
      next.side = null;
      events.push({
        kind: 'target-reachable',
        ...base,
        message:
          st.reason === 'actuator-saturated'
            ? `entropy ${x.entropy.toFixed(4)} is back in its band`
            : `accuracy ${accuracy.toFixed(3)} is back within ${cfg.accuracyDrop / 2} of its best`,
      });
    }
  }
  return { state: next, events };
}
