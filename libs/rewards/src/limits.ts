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
   * deterministic bound, so a verdict never depends on machine load. The corpus spends at most a
   * few hundred; hostile input that exhausts it stops in tens of milliseconds on an idle core.
   */
  workUnits: 50_000,
  /** Bracket nesting depth the parser accepts (`((((1))))` is 4). */
  maxDepth: 100,
  /** Exact arithmetic gives up (falls back to a log-scale comparison) past this many bits. */
  maxRationalBits: 65_536,
  /** Largest integer exponent computed exactly (the result must still fit maxRationalBits). */
  maxExactExponent: 100_000,
});
