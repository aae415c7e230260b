import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { CORPUS } from './math.corpus.js';

/** Deterministic generator so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = [
  '\\frac',
  '\\sqrt',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '\\boxed{',
  '^',
  '_',
  '-',
  '+',
  '1',
  '2',
  'x',
  '\\pi',
  '\\left(',
  '\\right)',
  '=',
  '<',
  ',',
  '\\{',
  '\\}',
  '\\begin{pmatrix}',
  '\\end{pmatrix}',
  '&',
  '\\\\',
  '$',
  ' ',
  '.',
  '\\text{',
  '%',
  '\\pm',
  '\\cup',
  '!',
  'e',
  '\\log_',
  '\\infty',
  '0.5',
  '\\',
];

/**
 * Worst single grade allowed in tests. Grades are bounded by work units, not time; this bound only
 * catches unbounded work, with ample slack for a loaded 2-core CI machine.
 */
const MAX_MS = 1_500;

/**
 * CPU time of one grade, in ms: a runaway grade burns CPU, while wall-clock time also counts the time
 * this process waits for a core on a busy machine (a false alarm).
 */
function timed(pred: string, gold: string): number {
  const t = process.cpuUsage();
  const r = grade(pred, gold);
  if (r !== null) {
    expect(r.score).toBeGreaterThanOrEqual(0);
    expect(r.score).toBeLessThanOrEqual(1);
    expect(typeof r.reason).toBe('string');
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1000;
}

describe('grade: fuzz and adversarial input', () => {
  it('never throws on random LaTeX-ish strings and stays within budget', () => {
    const r = rng(42);
    let worst = 0;
    for (let i = 0; i < 1500; i++) {
      const len = 1 + Math.floor(r() * 40);
      let s = '';
      for (let k = 0; k < len; k++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
      const gold = CORPUS[Math.floor(r() * CORPUS.length)]!.gold;
      worst = Math.max(worst, timed(s, gold), timed(gold, s));
    }
    expect(worst).toBeLessThan(MAX_MS);
  }, 120_000); // 3000 grades: about 15 s on a loaded 2-core machine, past the unit default of 20 s under more load

  it('handles deep nesting, huge inputs and unbalanced braces', () => {
    const cases = [
      '\\boxed{' + '{'.repeat(5000) + '1' + '}'.repeat(5000) + '}',
      '\\boxed{' + '('.repeat(20000) + '1',
      '\\boxed{' + '\\frac{'.repeat(3000) + '1',
      '\\boxed{' + '\\sqrt{'.repeat(400) + '2' + '}'.repeat(400) + '}',
      '1'.repeat(100_000),
      'x'.repeat(100_000),
      ('1+' as string).repeat(50_000) + '1',
      '\\boxed{' + '2^'.repeat(500) + '2}',
      '\\boxed{' + '9'.repeat(900) + '^{' + '9'.repeat(90) + '}}',
      '\\boxed{10^{10^{10^{10}}}}',
      '\\boxed{1000!}',
      '\\boxed{' + 'x'.repeat(400) + '}',
      '}'.repeat(10_000) + '\\boxed{',
      '$'.repeat(100_000),
      '\\boxed{\\begin{pmatrix}' + '1&'.repeat(300) + '1\\end{pmatrix}}',
      '\\boxed{' + '(1,'.repeat(300) + '}',
      '\\boxed{' + '|'.repeat(1000) + '}',
      String.fromCharCode(0, 0xd800, 0xffff) + '\\boxed{\u0000}',
    ];
    for (const pred of cases) {
      for (const gold of ['85', '(x+1)^2', '[0, 1)', '\\begin{pmatrix}1\\\\2\\end{pmatrix}']) {
        expect(timed(pred, gold)).toBeLessThan(MAX_MS);
      }
      expect(timed('5', pred.slice(0, 1500))).toBeLessThan(MAX_MS);
    }
  });

  it('hostile sizes (1 MB strings, 10k nested braces, 10k boxes, huge exponents) end with a verdict or null', () => {
    const mb = 1 << 20;
    const hostile = [
      'x'.repeat(mb),
      '\\boxed{'.repeat(mb / 8),
      'a$b'.repeat(mb / 3),
      '{'.repeat(10_000) + '1' + '}'.repeat(10_000),
      '\\boxed{' + '{'.repeat(10_000) + '7' + '}'.repeat(10_000) + '}',
      '\\boxed{7}'.repeat(10_000),
      '\\boxed{1}, '.repeat(10_000),
      '\\boxed{10^{10^{10^{10^{10}}}}}',
      '\\boxed{2^{99999999999999999999}}',
      '\\boxed{(10^{99999})^{99999}}',
      '\\boxed{9^{9^{9^{9}}} - 9^{9^{9^{9}}}}',
      '\\boxed{' + '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}'.repeat(200) + '}',
      '\\boxed{\\begin{pmatrix}1&1&1&1&1&1&1&1\\\\'.repeat(8) + '\\end{pmatrix}^{8}}',
      '#### ' + '9'.repeat(mb),
      '**Final Answer**\n'.repeat(mb / 18),
    ];
    const golds = ['7', '10^{400}', '[0, 1)', '(a) \\boxed{1} (b) \\boxed{2}', 'x^2+1', '1, 2, 2'];
    for (const pred of hostile) {
      for (const gold of golds) {
        let r: ReturnType<typeof grade> | undefined;
        const t = performance.now();
        expect(() => (r = grade(pred, gold))).not.toThrow();
        expect(performance.now() - t).toBeLessThan(MAX_MS);
        expect(r === null || (r!.score >= 0 && r!.score <= 1)).toBe(true);
      }
      // the same hostile text as a gold answer (over the gold cap it is simply unreadable)
      expect(() => grade('7', pred)).not.toThrow();
      expect(grade('7', pred.slice(0, 1_900)) ?? { score: 0 }).toHaveProperty('score');
    }
  });

  it('is symmetric-safe: swapping gold and pred on the corpus never throws', () => {
    for (const row of CORPUS) timed(row.gold, row.pred);
  });
});
