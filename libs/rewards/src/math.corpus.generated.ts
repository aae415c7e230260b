import { type CorpusRow, N, Y } from './math.corpus.row.js';

/** Integer tiny-arith forms: every sum 0..198 style with its free leading spaces and zeros. */
function tinyArith(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const sums = [0, 7, 10, 58, 85, 99, 100, 123, 150, 198];
  for (const s of sums) {
    rows.push(Y(`${s}`, `${s}`, 'tiny-arith plain'));
    rows.push(Y(`${s}`, ` 0${s}`, 'tiny-arith space and zero'));
    rows.push(Y(`${s}`, `00${s}`, 'tiny-arith zeros'));
    rows.push(N(`${s}`, `${s + 1}`, 'tiny-arith off by one'));
    rows.push(N(`${s}`, `${s + 10}`, 'tiny-arith tens digit wrong'));
    rows.push(N(`${s}`, `${s}1`, 'tiny-arith extra digit'));
    if (s !== 0) rows.push(N(`${s}`, `-${s}`, 'tiny-arith wrong sign'));
  }
  return rows;
}

/** Fractions against their decimals and their near misses. */
function fractions(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const fr: [number, number][] = [
    [1, 4],
    [3, 8],
    [5, 2],
    [7, 5],
    [9, 16],
    [11, 20],
  ];
  for (const [a, b] of fr) {
    const dec = `${a / b}`;
    rows.push(Y(`\\frac{${a}}{${b}}`, dec, 'terminating decimal of the fraction'));
    rows.push(Y(`\\frac{${a}}{${b}}`, `${a}/${b}`, 'slash form'));
    rows.push(Y(`\\frac{${a}}{${b}}`, `\\frac{${2 * a}}{${2 * b}}`, 'unreduced equal fraction'));
    rows.push(N(`\\frac{${a}}{${b}}`, `\\frac{${b}}{${a}}`, 'reciprocal'));
    rows.push(N(`\\frac{${a}}{${b}}`, `-\\frac{${a}}{${b}}`, 'wrong sign'));
    rows.push(N(`\\frac{${a}}{${b}}`, `${(a / b) * 100}`, 'scaled by 100 without a percent sign'));
  }
  return rows;
}

/** Polynomial identities at random points and their near misses. */
function polynomials(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  for (const k of [2, 3, 5, 7]) {
    rows.push(Y(`(x+${k})^2`, `x^2+${2 * k}x+${k * k}`, 'expanded square'));
    rows.push(N(`(x+${k})^2`, `x^2+${k}x+${k * k}`, 'cross term not doubled'));
    rows.push(Y(`x^2-${k * k}`, `(x-${k})(x+${k})`, 'difference of squares'));
    rows.push(N(`x^2-${k * k}`, `(x-${k})^2`, 'square instead of difference'));
    rows.push(Y(`\\frac{${k}}{x}`, `${k}x^{-1}`, 'negative exponent'));
    rows.push(N(`\\frac{${k}}{x}`, `\\frac{x}{${k}}`, 'inverted'));
  }
  return rows;
}

/** Intervals with every choice of ends against each other: only identical ends match. */
function intervals(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const forms = ['(', '['].flatMap((o) => [')', ']'].map((c) => [o, c] as const));
  for (const [o, c] of forms)
    for (const [o2, c2] of forms) {
      const g = `${o}-2, 5${c}`;
      const p = `${o2}-2,5${c2}`;
      if (o === o2 && c === c2) rows.push(Y(g, p, 'same ends'));
      else rows.push(N(g, p, 'open versus closed end'));
    }
  return rows;
}

/** Pairs generated from templates: tiny arithmetic, fractions, polynomials, interval ends. */
export const GENERATED_ROWS: CorpusRow[] = [...tinyArith(), ...fractions(), ...polynomials(), ...intervals()];
