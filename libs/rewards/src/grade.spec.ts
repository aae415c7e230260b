import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { validateGraderSpec } from './grader.spec-validation.js';
import { LIMITS } from './limits.js';

describe('grade: graders', () => {
  it('gives score 1 to every tiny-arith answer form and 0 to a wrong number', () => {
    for (const form of ['85', ' 85', '085', '  85', '0085']) expect(grade(form, '85')?.score).toBe(1);
    expect(grade('84', '85')?.score).toBe(0);
  });

  it('returns null when the gold answer cannot be read', () => {
    expect(grade('5', '')).toBeNull();
    expect(grade('5', '   $ $ ')).toBeNull();
    expect(grade('5', 'x'.repeat(LIMITS.goldChars + 1))).toBeNull();
  });

  it('exact: trims and ignores case unless asked', () => {
    expect(grade('  Paris ', 'paris', { kind: 'exact' })?.score).toBe(1);
    expect(grade('Paris', 'paris', { kind: 'exact', caseSensitive: true })?.score).toBe(0);
    expect(grade('so \\boxed{Paris}', 'Paris', { kind: 'exact' })?.score).toBe(1);
  });

  it('numeric: applies relative and absolute tolerances', () => {
    expect(grade('3.1416', '\\pi', { kind: 'numeric', relTol: 1e-4 })?.score).toBe(1);
    expect(grade('3.14', '\\pi', { kind: 'numeric', relTol: 1e-4 })?.score).toBe(0);
    expect(grade('3.14', '\\pi', { kind: 'numeric', absTol: 0.01 })?.score).toBe(1);
    expect(grade('12', 'abc', { kind: 'numeric' })).toBeNull();
  });

  it('regex: matches the pattern, with {gold} standing for the literal gold', () => {
    expect(grade('result: 4.5', '4.5', { kind: 'regex', pattern: 'result: {gold}$' })?.score).toBe(1);
    expect(grade('result: 415', '4.5', { kind: 'regex', pattern: 'result: {gold}$' })?.score).toBe(0);
  });

  it('format: needs one leading think block and a boxed answer after it', () => {
    expect(grade('<think>hmm</think> so \\boxed{3}', '3', { kind: 'format' })).toEqual({
      score: 1,
      reason: 'format_ok',
    });
    expect(grade('<think>hmm so \\boxed{3}', '3', { kind: 'format' })?.reason).toBe('missing_think');
    expect(grade('<think>\\boxed{3}</think> 3', '3', { kind: 'format' })?.reason).toBe('missing_boxed');
  });

  it('weighted: averages parts by weight and reports each reason', () => {
    const spec = {
      kind: 'weighted' as const,
      parts: [
        { weight: 3, grader: { kind: 'math' as const } },
        { weight: 1, grader: { kind: 'format' as const } },
      ],
    };
    const r = grade('\\boxed{3}', '3', spec);
    expect(r?.score).toBeCloseTo(0.75);
    expect(r?.reason).toContain('format:missing_think');
  });

  it('never throws on an invalid spec', () => {
    expect(grade('1', '1', { kind: 'nope' } as never)).toEqual({ score: 0, reason: 'invalid_spec' });
  });
});

describe('validateGraderSpec', () => {
  it('accepts every valid kind', () => {
    expect(validateGraderSpec({ kind: 'math' })).toEqual([]);
    expect(validateGraderSpec({ kind: 'numeric', relTol: 0.01 })).toEqual([]);
    expect(validateGraderSpec({ kind: 'regex', pattern: '^\\d+$' })).toEqual([]);
    expect(
      validateGraderSpec({ kind: 'weighted', parts: [{ weight: 1, grader: { kind: 'format' } }] }),
    ).toEqual([]);
  });

  it('lists problems', () => {
    expect(validateGraderSpec(null)).toHaveLength(1);
    expect(validateGraderSpec({ kind: 'numeric', relTol: -1 })[0]).toContain('relTol');
    expect(validateGraderSpec({ kind: 'regex', pattern: '(' })[0]).toContain('not a valid RE2');
    // RE2 has no backreferences or lookaround (they need backtracking)
    expect(validateGraderSpec({ kind: 'regex', pattern: '(a)\\1' })[0]).toContain(
      'grader.pattern: not a valid RE2',
    );
    expect(validateGraderSpec({ kind: 'regex', pattern: '(?=a)a' })[0]).toContain('not a valid RE2');
    expect(validateGraderSpec({ kind: 'weighted', parts: [] })[0]).toContain('parts');
    expect(validateGraderSpec({ kind: 'exact', extra: 1 })[0]).toContain('unknown field');
  });
});
