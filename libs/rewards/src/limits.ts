/** Bounds that keep every grade cheap whatever the model wrote. */
export const LIMITS = Object.freeze({
  /** Only the tail of a long output is searched: final answers come last. */
  predTailChars: 20_000,
  /** An extracted answer longer than this is not parsed (scored 0, reason `answer_too_long`). */
  answerChars: 1_000,
  /** A gold answer longer than this is treated as unparseable (grade returns null). */
  goldChars: 2_000,
  /**
   * Work units for one grade (tokens, parser levels, evaluated nodes, big-number limbs): a
   * deterministic bound, so a verdict never depends on machine load. A realistic grade spends a
   * few thousand; the worst hostile input stays in the tens of milliseconds.
   */
  workUnits: 400_000,
  /** Bracket nesting depth the parser accepts (`((((1))))` is 4). */
  maxDepth: 100,
  /** Exact arithmetic gives up (falls back to a log-scale comparison) past this many bits. */
  maxRationalBits: 16_384,
  /** Largest integer exponent computed exactly (the result must still fit maxRationalBits). */
  maxExactExponent: 20_000,
});
