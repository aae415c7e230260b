/** A grader chosen per job; `math` is the default. */
export type GraderSpec =
  | { kind: 'math' }
  | { kind: 'exact'; caseSensitive?: boolean }
  | { kind: 'numeric'; relTol?: number; absTol?: number }
  | { kind: 'regex'; pattern: string }
  | { kind: 'format' }
  | { kind: 'weighted'; parts: { weight: number; grader: GraderSpec }[] };

/** score in [0, 1]; reason is a short machine-readable token such as `equal` or `no_answer`. */
export interface GradeResult {
  score: number;
  reason: string;
}
