import { describe, expect, it } from 'vitest';
import { type AepoConfig, resolveConfig } from './config.js';
import { INITIAL_CONTROLLER_STATE, decideTemperature, relativeError, targetBand } from './controller.js';

function aepo(over: Parameters<typeof resolveConfig>[0] = {}): AepoConfig {
  return resolveConfig(over).aepo;
}
const zero = INITIAL_CONTROLLER_STATE;

describe('bang-bang controller (reference rule)', () => {
  const cfg = aepo({ aepo: { controller: { mode: 'bang-bang' } } });
  it('starts hot on the first step', () => {
    const { decision } = decideTemperature(cfg, 0.35, null, zero);
    expect(decision).toEqual({
      temperature: 1.2,
      shareScale: 1,
      halve: false,
      error: null,
      saturation: 'high',
      entropyCoef: 0,
      closing: true,
    });
  });
  it('goes hot at or below target, cold and halved above', () => {
    expect(decideTemperature(cfg, 0.35, 0.3, zero).decision).toMatchObject({
      temperature: 1.2,
      halve: false,
      saturation: 'high',
    });
    expect(decideTemperature(cfg, 0.35, 0.35, zero).decision.temperature).toBe(1.2);
    expect(decideTemperature(cfg, 0.35, 0.4, zero).decision).toMatchObject({
      temperature: 0.8,
      halve: true,
      saturation: 'low',
    });
  });
  it('does not halve when configured off', () => {
    expect(
      decideTemperature(aepo({ aepo: { halveAboveTarget: false } }), 0.35, 0.4, zero).decision.halve,
    ).toBe(false);
  });
});

describe('proportional controller on temperature', () => {
  const cfg = aepo({ aepo: { tHigh: 1.5, tLow: 0.6, controller: { mode: 'proportional', kp: 2 } } });
  it('sets T = 1 + kp * relative error, clamped', () => {
    // e = (0.4 - 0.38) / 0.4 = 0.05 -> T = 1.1
    const d1 = decideTemperature(cfg, 0.4, 0.38, zero).decision;
    expect(d1.temperature).toBeCloseTo(1.1, 12);
    expect(d1.saturation).toBe('none');
    expect(d1.error).toBeCloseTo(0.05, 12);
    // e = -0.1 -> T = 0.8, halved above target (default)
    expect(decideTemperature(cfg, 0.4, 0.44, zero).decision).toMatchObject({ halve: true });
    expect(decideTemperature(cfg, 0.4, 0.44, zero).decision.temperature).toBeCloseTo(0.8, 12);
    // e = 0.5 -> 2.0, clamped to 1.5
    expect(decideTemperature(cfg, 0.4, 0.2, zero).decision).toMatchObject({
      temperature: 1.5,
      saturation: 'high',
    });
    expect(decideTemperature(cfg, 0.4, 0.8, zero).decision).toMatchObject({
      temperature: 0.6,
      saturation: 'low',
    });
  });
  it('keeps no integral', () => {
    expect(decideTemperature(cfg, 0.4, 0.38, zero).state.integral).toBe(0);
  });
});

describe('PI controller on temperature', () => {
  const cfg = aepo({
    aepo: { tHigh: 1.5, tLow: 0.6, controller: { mode: 'pi', kp: 1, ki: 0.5, integralLimit: 0.15 } },
  });
  it('accumulates the error and clamps the integral (anti-windup)', () => {
    // e = 0.1: I = 0.1, u = 0.1 + 0.05 -> T = 1.15
    const s1 = decideTemperature(cfg, 0.4, 0.36, zero);
    expect(s1.state.integral).toBeCloseTo(0.1, 12);
    expect(s1.decision.temperature).toBeCloseTo(1.15, 12);
    // e = 0.1 again: I = 0.2 -> clamped 0.15, u = 0.1 + 0.075 -> T = 1.175
    const s2 = decideTemperature(cfg, 0.4, 0.36, s1.state);
    expect(s2.state.integral).toBeCloseTo(0.15, 12);
    expect(s2.decision.temperature).toBeCloseTo(1.175, 12);
    // at target the integral alone keeps T above 1: u = 0.5 * 0.15
    const s3 = decideTemperature(cfg, 0.4, 0.4, s2.state);
    expect(s3.decision.temperature).toBeCloseTo(1.075, 12);
  });
});

describe('proportional controller on the share', () => {
  const cfg = aepo({ aepo: { controller: { mode: 'proportional', actuator: 'share', kp: 4 } } });
  it('picks the side by the sign and scales the share by |u|', () => {
    // e = 0.1 -> u = 0.4
    const d = decideTemperature(cfg, 0.4, 0.36, zero).decision;
    expect(d.temperature).toBe(1.2);
    expect(d.shareScale).toBeCloseTo(0.4, 12);
    expect(d.halve).toBe(false);
    expect(d.saturation).toBe('none');
    // e = -0.5 -> u = -2 -> full share, cold
    expect(decideTemperature(cfg, 0.4, 0.6, zero).decision).toMatchObject({
      temperature: 0.8,
      shareScale: 1,
      saturation: 'low',
    });
  });
});

describe('helpers', () => {
  it('relative error and band', () => {
    expect(relativeError(0.3, 0.4)).toBeCloseTo(0.25, 12);
    expect(relativeError(0.05, 0)).toBeCloseTo(-5, 12);
    const b = targetBand(0.35, 0.1, 0);
    expect(b.lower).toBeCloseTo(0.315, 12);
    expect(b.upper).toBeCloseTo(0.385, 12);
    const wide = targetBand(0.35, 0.1, 0.05);
    expect(wide.lower).toBeCloseTo(0.3, 12);
    expect(wide.upper).toBeCloseTo(0.4, 12);
  });
});
