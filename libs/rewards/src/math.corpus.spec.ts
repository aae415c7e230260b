import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { CORPUS } from './math.corpus.js';

describe('math grader corpus', () => {
  it('is large enough and at least a third near misses', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(400);
    expect(CORPUS.filter((r) => !r.match).length * 3).toBeGreaterThanOrEqual(CORPUS.length);
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
