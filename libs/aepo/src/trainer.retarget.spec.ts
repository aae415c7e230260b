import { describe, expect, it } from 'vitest';
import type { FollowSettings } from './retarget.js';
import { FakeEngine, make } from './testing/trainer-fixtures.js';

describe('Trainer: a live retarget is followed (simulated plant behind the engine port)', () => {
  /**
   * The scripted engine's entropy relaxes toward 0.4 + 2 x lambda (the loss's entropy coefficient)
   * with a 20-step time constant: a plant that holds 0.32 with lambda about -0.04 and 0.51 with +0.055.
   * Runs 200 steps at H* 0.32, changes the target live to 0.51 (UpdateJob's path), runs 200 more, and
   * returns the steps until the entropy is within 10% of the new target.
   */
  async function followAfterLiveRetarget(follow: Partial<FollowSettings>): Promise<number> {
    const engine = new FakeEngine({ entropy: 0.45, nextId: 0 }, (st, req) => {
      st.entropy += (0.4 + 2 * req.loss.entropyCoef - st.entropy) / 20;
    });
    const { trainer } = make(
      {
        maxSteps: 400,
        aepo: { tHigh: 1.5, tLow: 0.6, controller: { mode: 'dual', follow } },
        entropy: { target: { kind: 'constant', value: 0.32 } },
      },
      engine,
    );
    for (let i = 0; i < 200; i++) await trainer.stepOnce();
    trainer.setTarget({ kind: 'constant', value: 0.51 });
    for (let i = 1; i <= 200; i++) {
      const { record } = await trainer.stepOnce();
      expect(record.target).toBe(0.51);
      if (Math.abs(record.entropy - 0.51) <= 0.051) return i;
    }
    return Infinity;
  }

  it('within 30 steps with the follow law, where the slow law alone takes over 100', async () => {
    // Measured: 12 and 148.
    expect(await followAfterLiveRetarget({})).toBeLessThanOrEqual(30);
    expect(await followAfterLiveRetarget({ threshold: 0 })).toBeGreaterThan(100);
  });
});
