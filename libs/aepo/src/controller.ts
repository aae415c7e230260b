/**
 * AEPO's entropy controller: from the last measured entropy H and the target H*, choose the temperature
 * of the REINFORCE re-samples and how much of the REINFORCE share to use.
 *
 * Reference rule (bang-bang, arXiv 2510.08141): T = T_high if H <= H* else T_low; the share is halved
 * when H > H*. Reinforcing correct samples drawn hot (T > 1) raises entropy, drawn cold lowers it:
 * for softmax logits z, dH = -Cov_pi(log pi, dz) and E[dz] is proportional to (pi^T - pi).
 *
 * Proportional / PI rules act on the relative error e = (H* - H) / H* (scale-free gains):
 *   u = kp * e + ki * I,  I = clamp(I + e, -limit, limit)  (I only in 'pi' mode)
 *   actuator 'temperature': T = clamp(tCenter + u, T_low, T_high), full share
 *   actuator 'share':       T = T_high if u >= 0 else T_low, share scaled by min(1, |u|)
 */
import type { AepoConfig } from './config.js';

/** Serialisable controller memory (part of the trainer's checkpointed state). */
export interface ControllerState {
  /** Integral of the relative error (PI mode); 0 otherwise. */
  integral: number;
}

export const INITIAL_CONTROLLER_STATE: ControllerState = Object.freeze({ integral: 0 });

export interface ControllerDecision {
  /** Re-sample temperature. */
  temperature: number;
  /** Multiplier on the share limit, in [0, 1]. */
  shareScale: number;
  /** Halve k after capping by the positives (reference behaviour above target). */
  halve: boolean;
  /** Relative error e = (H* - H) / H* the decision used; null on the first step. */
  error: number | null;
  /**
   * 'high' when the controller already pushes entropy up as hard as it can (highest temperature,
   * full share), 'low' when it pushes down as hard as it can; 'none' otherwise. Used to tell an
   * unreachable target from a slow one.
   */
  saturation: 'high' | 'low' | 'none';
}

/** Relative error; a zero target is measured against a small floor to keep it finite. */
export function relativeError(entropy: number, target: number): number {
  return (target - entropy) / Math.max(target, 1e-2);
}

/**
 * The decision for a step, and the controller state after it.
 * @param entropy the previous step's entropy; null before any measurement (first step: T_high,
 *   full share, like the reference)
 */
export function decideTemperature(
  cfg: AepoConfig,
  target: number,
  entropy: number | null,
  state: ControllerState,
): { decision: ControllerDecision; state: ControllerState } {
  const { tHigh, tLow, controller } = cfg;
  if (entropy === null) {
    return {
      decision: { temperature: tHigh, shareScale: 1, halve: false, error: null, saturation: 'high' },
      state,
    };
  }
  const error = relativeError(entropy, target);
  const above = entropy > target;
  if (controller.mode === 'bang-bang') {
    const decision: ControllerDecision = above
      ? { temperature: tLow, shareScale: 1, halve: cfg.halveAboveTarget, error, saturation: 'low' }
      : { temperature: tHigh, shareScale: 1, halve: false, error, saturation: 'high' };
    return { decision, state };
  }
  let integral = state.integral;
  if (controller.mode === 'pi') {
    integral = Math.min(controller.integralLimit, Math.max(-controller.integralLimit, integral + error));
  }
  const u = controller.kp * error + (controller.mode === 'pi' ? controller.ki * integral : 0);
  if (controller.actuator === 'temperature') {
    const temperature = Math.min(tHigh, Math.max(tLow, controller.tCenter + u));
    const saturation = temperature >= tHigh ? 'high' : temperature <= tLow ? 'low' : 'none';
    return {
      decision: { temperature, shareScale: 1, halve: above && cfg.halveAboveTarget, error, saturation },
      state: { integral },
    };
  }
  const shareScale = Math.min(1, Math.abs(u));
  const up = u >= 0;
  return {
    decision: {
      temperature: up ? tHigh : tLow,
      shareScale,
      halve: false,
      error,
      saturation: shareScale >= 1 ? (up ? 'high' : 'low') : 'none',
    },
    state: { integral },
  };
}

/** Tolerance band around H*: H* +- max(relative * H*, absolute). */
export function targetBand(
  target: number,
  relative: number,
  absolute: number,
): { lower: number; upper: number } {
  const half = Math.max(relative * target, absolute);
  return { lower: Math.max(0, target - half), upper: target + half };
}
