import { describe, expect, it } from 'vitest';
import { SPEC_DEFAULTS } from '@aepo/contracts/spec-defaults';
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('returns the reference defaults, deeply frozen', () => {
    const c = resolveConfig();
    expect(c).toEqual(DEFAULT_CONFIG);
    expect(c.aepo.tHigh).toBe(1.2);
    expect(c.aepo.tLow).toBe(0.8);
    expect(c.aepo.share).toEqual({ kind: 'count', count: 60 });
    expect(c.optim.lr).toBe(1e-6);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.aepo.controller)).toBe(true);
    expect(() => {
      (c.aepo as { tHigh: number }).tHigh = 2;
    }).toThrow(TypeError);
  });

  it('merges objects field by field and replaces unions whole', () => {
    const c = resolveConfig({
      algorithm: 'grpo',
      aepo: { tHigh: 1.5, share: { kind: 'fraction', fraction: 0.1 }, controller: { mode: 'pi' } },
      entropy: { target: { kind: 'linear', from: 0.4, to: 0.2, endStep: 100 } },
    });
    expect(c.algorithm).toBe('grpo');
    expect(c.aepo.tHigh).toBe(1.5);
    expect(c.aepo.tLow).toBe(0.8);
    expect(c.aepo.share).toEqual({ kind: 'fraction', fraction: 0.1 });
    // Gains the config leaves unset are the spec's stored defaults (one table, @aepo/contracts).
    expect(c.aepo.controller).toMatchObject({
      mode: 'pi',
      actuator: 'temperature',
      kp: SPEC_DEFAULTS.proportionalGain,
      ki: SPEC_DEFAULTS.integralGain,
    });
    expect(c.entropy.target).toEqual({ kind: 'linear', from: 0.4, to: 0.2, endStep: 100 });
  });

  it('rejects unknown values with the supported list, and unknown fields', () => {
    const err = (() => {
      try {
        resolveConfig({ algorithm: 'ppo' as never, aepo: { tLow: 2, bogus: 1 } as never });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      'aepo.bogus: unknown field',
      'algorithm: must be one of aepo, grpo, entropy-reg, entropy-adv',
      'aepo.tLow: must be <= aepo.tHigh',
    ]);
  });

  it('checks ranges', () => {
    expect(() => resolveConfig({ rollout: { topP: 0 } })).toThrow(/rollout.topP/);
    expect(() => resolveConfig({ aepo: { share: { kind: 'fraction', fraction: 1.5 } } })).toThrow(
      /aepo.share.fraction/,
    );
    expect(() => resolveConfig({ validation: { samplesPerPrompt: 2, passK: [1, 4] } })).toThrow(
      /validation.passK\[1\]/,
    );
    expect(() => resolveConfig({ maxSteps: 0, epochs: 0 })).toThrow(/either maxSteps or epochs/);
  });
});
