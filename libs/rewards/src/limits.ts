/** Bounds that keep every grade cheap whatever the model wrote. */
export const LIMITS = Object.freeze({
  /** Only the tail of a long output is searched: final answers come last. */
  predTailChars: 20_000,
  /** An extracted answer longer than this is not parsed (scored 0, reason `answer_too_long`). */
  answerChars: 1_000,
  /** A gold answer longer than this is treated as unparseable (grade returns null). */
  goldChars: 2_000,
  /** Wall-clock budget for one grade, in milliseconds. */
  budgetMs: 50,
  /** Parser nesting depth limit. */
  maxDepth: 64,
  /** Exact arithmetic gives up (falls back to floating point) past this many bits. */
  maxRationalBits: 4_096,
  /** Largest integer exponent computed exactly. */
  maxExactExponent: 256,
});
