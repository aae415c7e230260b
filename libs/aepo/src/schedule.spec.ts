import { describe, expect, it } from 'vitest';
import { targetAt, validateSchedule } from './schedule.js';

describe('targetAt', () => {
  it('constant', () => {
    expect(targetAt({ kind: 'constant', value: 0.35 }, 1)).toBe(0.35);
    expect(targetAt({ kind: 'constant', value: 0.35 }, 999)).toBe(0.35);
  });
  it('linear from 0.5 at step 1 to 0.1 at step 101', () => {
    const s = { kind: 'linear', from: 0.5, to: 0.1, endStep: 101 } as const;
    expect(targetAt(s, 1)).toBeCloseTo(0.5, 12);
    expect(targetAt(s, 51)).toBeCloseTo(0.3, 12);
    expect(targetAt(s, 101)).toBeCloseTo(0.1, 12);
    expect(targetAt(s, 500)).toBeCloseTo(0.1, 12);
    expect(targetAt({ ...s, startStep: 11, endStep: 21 }, 5)).toBeCloseTo(0.5, 12);
    expect(targetAt({ ...s, startStep: 11, endStep: 21 }, 16)).toBeCloseTo(0.3, 12);
  });
  it('cosine from 0.5 to 0.1 over steps 1..101', () => {
    const s = { kind: 'cosine', from: 0.5, to: 0.1, endStep: 101 } as const;
    expect(targetAt(s, 1)).toBeCloseTo(0.5, 12);
    expect(targetAt(s, 51)).toBeCloseTo(0.3, 12);
    // quarter way: 0.1 + 0.4 * (1 + cos(pi / 4)) / 2 = 0.441421
    expect(targetAt(s, 26)).toBeCloseTo(0.441421, 6);
    expect(targetAt(s, 101)).toBeCloseTo(0.1, 12);
  });
  it('piecewise, held or interpolated', () => {
    const points = [
      { step: 1, value: 0.5 },
      { step: 10, value: 0.3 },
      { step: 20, value: 0.2 },
    ];
    const hold = { kind: 'piecewise', points } as const;
    expect(targetAt(hold, 5)).toBe(0.5);
    expect(targetAt(hold, 10)).toBe(0.3);
    expect(targetAt(hold, 15)).toBe(0.3);
    expect(targetAt(hold, 25)).toBe(0.2);
    const lin = { kind: 'piecewise', points, interpolation: 'linear' } as const;
    expect(targetAt(lin, 15)).toBeCloseTo(0.25, 12);
    expect(targetAt(lin, 5.5)).toBeCloseTo(0.4, 12);
  });
});

describe('validateSchedule', () => {
  it('accepts valid schedules', () => {
    expect(validateSchedule({ kind: 'constant', value: 0.2 })).toEqual([]);
    expect(validateSchedule({ kind: 'piecewise', points: [{ step: 1, value: 0.2 }] })).toEqual([]);
  });
  it('names each problem with its field', () => {
    expect(validateSchedule({ kind: 'constant', value: -1 })).toEqual([
      'target.value: must be a finite number >= 0',
    ]);
    expect(validateSchedule({ kind: 'sine' })).toEqual([
      'target.kind: must be one of constant, linear, cosine, piecewise',
    ]);
    expect(validateSchedule({ kind: 'linear', from: 0.1, to: 0.2, startStep: 10, endStep: 5 })).toEqual([
      'target.endStep: must be >= startStep',
    ]);
    expect(
      validateSchedule({
        kind: 'piecewise',
        points: [
          { step: 5, value: 0.1 },
          { step: 5, value: 0.2 },
        ],
      }),
    ).toEqual(['target.points[1].step: steps must increase']);
  });
});
