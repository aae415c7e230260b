import { describe, expect, it } from 'vitest';
import { groupAdvantages, grpoAdvantages, isZeroVarianceGroup } from './advantages.js';

describe('groupAdvantages', () => {
  it('uses the unbiased std plus eps (two of four correct)', () => {
    // mean 0.5, unbiased std sqrt(4 * 0.25 / 3) = sqrt(1/3)
    const a = 0.5 / (Math.sqrt(1 / 3) + 1e-6);
    const out = groupAdvantages([1, 0, 0, 1], 1e-6);
    expect(out[0]).toBeCloseTo(a, 12);
    expect(out[1]).toBeCloseTo(-a, 12);
    expect(a).toBeCloseTo(0.866024, 6);
  });

  it('one correct of five (the reference group size)', () => {
    // mean 0.2, sum of squares 0.64 + 4 * 0.04 = 0.8, std sqrt(0.8 / 4) = sqrt(0.2)
    const out = groupAdvantages([1, 0, 0, 0, 0], 0);
    expect(out[0]).toBeCloseTo(0.8 / Math.sqrt(0.2), 12);
    expect(out[0]).toBeCloseTo(1.788854, 6);
    expect(out[3]).toBeCloseTo(-0.447214, 6);
  });

  it('gives zeros to a single-member group and to all-equal groups', () => {
    expect(groupAdvantages([1], 1e-6)).toEqual([0]);
    expect(groupAdvantages([1, 1, 1], 1e-6)).toEqual([0, 0, 0]);
    expect(groupAdvantages([0.3, 0.3], 1e-6)).toEqual([0, 0]);
    expect(groupAdvantages([], 1e-6)).toEqual([]);
  });

  it('handles graded (non-binary) rewards', () => {
    // mean 0.5, unbiased std sqrt((0.25 + 0 + 0.25) / 2) = 0.5
    expect(groupAdvantages([0, 0.5, 1], 0)).toEqual([-1, 0, 1]);
  });

  it('maps over groups and flags zero-variance ones', () => {
    expect(grpoAdvantages([[1], [0, 0]], 1e-6)).toEqual([[0], [0, 0]]);
    expect(isZeroVarianceGroup([0, 0, 0])).toBe(true);
    expect(isZeroVarianceGroup([0, 1, 0])).toBe(false);
  });
});
