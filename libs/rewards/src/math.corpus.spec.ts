import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { CORPUS } from './math.corpus.js';
import { ACCURACY_CORPUS } from './math.corpus.accuracy.js';
import { AGREEMENT_CORPUS } from './math.corpus.agreement.js';

describe('math grader corpus', () => {
  it('is large enough and at least a third near misses', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(400);
    expect(CORPUS.filter((r) => !r.match).length * 3).toBeGreaterThanOrEqual(CORPUS.length);
  });

  it('holds the accuracy pairs of issue 16, each distinct and explained', () => {
    expect(ACCURACY_CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(ACCURACY_CORPUS.every((r) => r.why.length >= 8)).toBe(true);
    expect(new Set(ACCURACY_CORPUS.map((r) => `${r.gold}\u0000${r.pred}`)).size).toBe(ACCURACY_CORPUS.length);
    expect(ACCURACY_CORPUS.every((r) => CORPUS.includes(r))).toBe(true);
  });

  it('holds the Math-Verify agreement pairs, each distinct, explained, with near misses', () => {
    expect(AGREEMENT_CORPUS.every((r) => r.why.length >= 8 && CORPUS.includes(r))).toBe(true);
    expect(new Set(AGREEMENT_CORPUS.map((r) => `${r.gold}\u0000${r.pred}`)).size).toBe(
      AGREEMENT_CORPUS.length,
    );
    expect(AGREEMENT_CORPUS.filter((r) => !r.match).length * 3).toBeGreaterThanOrEqual(
      AGREEMENT_CORPUS.length,
    );
  });

  it.each(CORPUS.map((r) => [r.match ? 'match' : 'no match', r.why, r.gold, r.pred, r.match] as const))(
    '%s (%s): gold %j pred %j',
    (_kind, _why, gold, pred, match) => {
      const r = grade(pred, gold);
      expect(r).not.toBeNull();
      expect(r!.score).toBe(match ? 1 : 0);
    },
  );
});
