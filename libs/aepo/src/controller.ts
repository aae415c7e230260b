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
 *
 * 'dual' keeps the reference rule as the primary actuator and adds a second one, the signed
 * entropy-loss coefficient lambda of entropy-coef.ts, which takes over what the first cannot reach.
 */
import type { AepoConfig } from './config.js';
import { updateEntropyCoef } from './entropy-coef.js';
import { type EntropyTrend, INITIAL_ENTROPY_TREND, isClosing, updateTrend } from './entropy-trend.js';
import { type FollowState, INITIAL_FOLLOW_STATE, followStep } from './retarget.js';

/** Serialisable controller memory (part of the trainer's checkpointed state). */
export interface ControllerState {
  /** Integral of the relative error (PI mode); 0 otherwise. */
  integral: number;
  /** Where the measured entropy is heading (every mode: the unreachable detector reads it too). */
  trend: EntropyTrend;
  /**
   * The second actuator's integrator at the last step ('dual' mode; 0 otherwise): lambda itself,
   * except inside a window after a set-point change, where lambda adds a fading kick (retarget.ts).
   */
  entropyCoef: number;
  /** Following a set-point change ('dual' mode; initial otherwise). */
  follow: FollowState;
}

export const INITIAL_CONTROLLER_STATE: ControllerState = Object.freeze({
  integral: 0,
  trend: INITIAL_ENTROPY_TREND,
  entropyCoef: 0,
  follow: INITIAL_FOLLOW_STATE,
});

/** A checkpointed state from before the trend and the second actuator, completed with initial values. */
export function completeControllerState(state: Partial<ControllerState>): ControllerState {
  return {
    integral: state.integral ?? 0,
    trend: { ...INITIAL_ENTROPY_TREND, ...state.trend },
    entropyCoef: typeof state.entropyCoef === 'number' ? state.entropyCoef : 0,
    follow: { ...INITIAL_FOLLOW_STATE, ...state.follow },
  };
}

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
   * unreachable target from a slow one. In 'dual' mode both actuators must be at their limit.
   */
  saturation: 'high' | 'low' | 'none';
  /** Entropy-loss coefficient lambda for this step ('dual' mode; 0 otherwise). */
  entropyCoef: number;
  /**
   * The entropy is already closing on the target on its own (the initial descent, or the first
   * actuator at work): 'dual' holds lambda, and no step counts toward an unreachable target.
   */
  closing: boolean;
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
      decision: {
        temperature: tHigh,
        shareScale: 1,
        halve: false,
        error: null,
        saturation: 'high',
        entropyCoef: controller.mode === 'dual' ? state.entropyCoef : 0,
        closing: true,
      },
      state,
    };
  }
  const error = relativeError(entropy, target);
  const above = entropy > target;
  const trend = updateTrend(state.trend, entropy);
  const common = { error, entropyCoef: 0, closing: isClosing(trend, target, controller.minProgress) };
  if (controller.mode === 'bang-bang' || controller.mode === 'dual') {
    const decision: ControllerDecision = above
      ? { ...common, temperature: tLow, shareScale: 1, halve: cfg.halveAboveTarget, saturation: 'low' }
      : { ...common, temperature: tHigh, shareScale: 1, halve: false, saturation: 'high' };
    if (controller.mode === 'bang-bang') return { decision, state: { ...state, trend } };
    const f = followStep(controller.follow, state.follow, target, trend, state.entropyCoef);
    const c = updateEntropyCoef(controller, target, trend, f.coef, f.fast);
    const lim = controller.coefLimit;
    let integrator = c.coef;
    let coef = c.coef;
    if (f.fast) {
      const raw = c.coef + f.fast.kick;
      // Back-calculation: while the kick already drives lambda into its clip, the integrator does not
      // move further that way (it would only wind up during the plant's lag).
      if (Math.abs(raw) > lim && Math.sign(c.coef - f.coef) === Math.sign(raw)) integrator = f.coef;
      coef = Math.min(lim, Math.max(-lim, integrator + f.fast.kick));
    }
    // Saturated only when the second actuator, too, pushes the same way with all it has.
    const pinned = Math.abs(coef) >= lim - 1e-12 && (decision.saturation === 'high' ? coef > 0 : coef < 0);
    return {
      decision: { ...decision, saturation: pinned ? decision.saturation : 'none', entropyCoef: coef },
      state: { ...state, trend, entropyCoef: integrator, follow: f.state },
    };
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
      decision: { ...common, temperature, shareScale: 1, halve: above && cfg.halveAboveTarget, saturation },
      state: { ...state, trend, integral },
    };
  }
  const shareScale = Math.min(1, Math.abs(u));
  const up = u >= 0;
  return {
    decision: {
      ...common,
      temperature: up ? tHigh : tLow,
      shareScale,
      halve: false,
      saturation: shareScale >= 1 ? (up ? 'high' : 'low') : 'none',
    },
    state: { ...state, trend, integral },
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
