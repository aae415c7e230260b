/**
 * Gold/pred pairs by category. `match: false` rows are near misses; `why` says what makes them wrong.
 * Shared by the corpus test and the benchmark.
 */
export interface CorpusRow {
  gold: string;
  pred: string;
  match: boolean;
  why: string;
}

/** A pair that must match. */
export const Y = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: true, why });
/** A near miss: a pair that must not match. */
export const N = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: false, why });

/** A 2×2 matrix in LaTeX (`\begin{pmatrix}a&b\\c&d\end{pmatrix}`). */
export const m2 = (a: string, b: string, c: string, d: string) =>
  `\\begin{pmatrix}${a}&${b}\\\\${c}&${d}\\end{pmatrix}`;
