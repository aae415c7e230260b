import { ACCURACY_CORPUS } from './math.corpus.accuracy.js';
import { AGREEMENT_CORPUS } from './math.corpus.agreement.js';
import { GENERATED_ROWS } from './math.corpus.generated.js';
import type { CorpusRow } from './math.corpus.row.js';
import { STRUCTURE_ROWS } from './math.corpus.structures.js';
import { VALUE_ROWS } from './math.corpus.values.js';

export type { CorpusRow } from './math.corpus.row.js';

/** Every pair of the math grader's corpus: the test grades each one, the benchmark grades them all. */
export const CORPUS: CorpusRow[] = [
  ...VALUE_ROWS,
  ...STRUCTURE_ROWS,
  ...ACCURACY_CORPUS,
  ...AGREEMENT_CORPUS,
  ...GENERATED_ROWS,
];
