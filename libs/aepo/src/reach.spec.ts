import { describe, expect, it } from 'vitest';
import { INITIAL_REACH_STATE, type ReachInputs, type ReachState, assessReach } from './reach.js';

const cfg = { afterSteps: 5, accuracyDrop: 0.1 };
const band = { lower: 0.45, upper: 0.55 };

/** Runs the detector over per-step inputs; returns each step's state and the events. */
function run(steps: Partial<ReachInputs>[], start: ReachState = INITIAL_REACH_STATE) {
  let st = start;
  const states: ReachState[] = [];
  const events = [];
  for (const [i, x] of steps.entries()) {
    const r = assessReach(cfg, st, {
      step: i + 1,
      target: 0.5,
      entropy: 0.5,
      band,
      accuracy: 0.5,
      saturation: 'none',
      closing: false,
      ...x,
    });
    st = r.state;
    states.push(st);
    events.push(...r.events);
  }
  return { states, events };
}

describe('unreachable-target detection', () => {
  it('reports a saturated actuator after N misses in a row, with side and reason', () => {
    const { states, events } = run(Array(6).fill({ entropy: 0.3, saturation: 'high' }));
    expect(states.map((s) => s.missedSteps)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'target-unreachable',
      step: 5,
      side: 'below',
      reason: 'actuator-saturated',
    });
    expect(states[5]).toMatchObject({ side: 'below', reason: 'actuator-saturated' });
  });

  it('stays quiet while the entropy is closing on the target (the initial descent)', () => {
    // Far above the band with the controller pushing down as hard as it can, but getting there.
    const { states, events } = run(Array(50).fill({ entropy: 0.9, saturation: 'low', closing: true }));
    expect(events).toEqual([]);
    expect(states.at(-1)!.missedSteps).toBe(0);
  });

  it('does not count steps with an actuator to spare, and restarts the count after one', () => {
    const steps: Partial<ReachInputs>[] = [
      ...Array(4).fill({ entropy: 0.3, saturation: 'high' }),
      { entropy: 0.3, saturation: 'none' },
      ...Array(4).fill({ entropy: 0.3, saturation: 'high' }),
    ];
    const { states, events } = run(steps);
    expect(events).toEqual([]);
    expect(states.map((s) => s.missedSteps)).toEqual([1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });

  it('clears a saturated report once the entropy is back in its band', () => {
    const { events, states } = run([
      ...Array(5).fill({ entropy: 0.3, saturation: 'high' }),
      { entropy: 0.5 },
    ]);
    expect(events.map((e) => e.kind)).toEqual(['target-unreachable', 'target-reachable']);
    expect(states.at(-1)).toMatchObject({ side: null, reason: null });
  });

  it('reports an accuracy cost when the smoothed accuracy stays far below its best', () => {
    // 40 steps at 0.6 (best about 0.6), then 0.3: the 20-step average falls below 0.5 after a few
    // steps, and the report follows N steps later. In band and not saturated all along.
    const { events, states } = run([
      ...Array(40).fill({ accuracy: 0.6 }),
      ...Array(40).fill({ accuracy: 0.3 }),
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'target-unreachable', reason: 'accuracy-cost' });
    const at = events[0]!.step;
    expect(at).toBeGreaterThan(45);
    expect(at).toBeLessThan(60);
    expect(states.at(-1)!.reason).toBe('accuracy-cost');
  });

  it('ignores accuracy noise and the first steps (the best is taken after a warm-up)', () => {
    // Alternating 0.2 / 0.8 (mean 0.5) from the start: no lasting drop of 0.1 below the best.
    const { events } = run(Array.from({ length: 200 }, (_, i) => ({ accuracy: i % 2 ? 0.8 : 0.2 })));
    expect(events).toEqual([]);
  });

  it('is off with afterSteps 0', () => {
    const r = assessReach(
      { afterSteps: 0, accuracyDrop: 0.1 },
      { ...INITIAL_REACH_STATE, missedSteps: 99 },
      {
        step: 1,
        target: 0.5,
        entropy: 0.3,
        band,
        accuracy: 0.5,
        saturation: 'high',
        closing: false,
      },
    );
    expect(r.events).toEqual([]);
  });
});
