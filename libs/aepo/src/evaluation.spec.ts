import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK } from './evaluation.js';

describe('unbiased pass@k', () => {
  it('matches 1 - C(n-c, k) / C(n, k) by hand', () => {
    expect(passAtK(4, 1, 1)).toBeCloseTo(0.25, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(1 - 3 / 10, 12);
    expect(passAtK(10, 3, 4)).toBeCloseTo(1 - 35 / 210, 12);
    expect(passAtK(4, 1, 4)).toBe(1);
    expect(passAtK(4, 0, 2)).toBe(0);
  });
  it('pass@1 equals the fraction correct', () => {
    expect(passAtK(8, 3, 1)).toBeCloseTo(3 / 8, 12);
  });
  it('averages over prompts and rejects k > n', () => {
    expect(meanPassAtK([0, 4, 1], 4, 1)).toBeCloseTo(5 / 12, 12);
    expect(meanPassAtK([], 4, 1)).toBe(0);
    expect(() => passAtK(2, 1, 3)).toThrow(/k <= n/);
  });
});
