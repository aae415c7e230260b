import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { validateGraderSpec } from './grader.spec-validation.js';

describe('regex grader on RE2 (linear time)', () => {
  // `(a+)+$` against a run of a's ending in b takes 2^n steps on a backtracking engine: at n = 40
  // that is hours for JavaScript's RegExp. RE2 scans the text once.
  const evil = '(a+)+$';
  const text = 'a'.repeat(40) + 'b';

  it('accepts nested quantifiers: they cannot backtrack on RE2', () => {
    expect(validateGraderSpec({ kind: 'regex', pattern: evil })).toEqual([]);
  });

  it('answers a catastrophic-backtracking pattern at once, over the whole searched tail', () => {
    const t0 = performance.now();
    expect(grade(text, '1', { kind: 'regex', pattern: evil })).toEqual({ score: 0, reason: 'no_match' });
    expect(grade('x'.repeat(20_000) + 'a'.repeat(40), '1', { kind: 'regex', pattern: evil })).toEqual({
      score: 1,
      reason: 'matched',
    });
    const long = 'a'.repeat(19_999) + 'b';
    expect(grade(long, '1', { kind: 'regex', pattern: '(a|aa)*(a*)*c' })).toEqual({
      score: 0,
      reason: 'no_match',
    });
    // backtracking would not finish in the lifetime of the test run; a generous bound for a busy CI
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('matches {gold} literally, regex characters included', () => {
    const spec = { kind: 'regex' as const, pattern: '^answer: {gold}$' };
    expect(grade('answer: (1+2)*3', '(1+2)*3', spec)?.score).toBe(1);
    expect(grade('answer: 11123', '(1+2)*3', spec)?.score).toBe(0);
  });
});
