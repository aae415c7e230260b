/**
 * Wait before the next attempt after `failedAttempts` failures: `baseMs` doubled per failure, capped
 * at `maxMs`, then jittered into [half, full] so endpoints that failed together do not retry together.
 */
export function retryDelayMs(
  failedAttempts: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity for large exponents; min() then picks the cap.
  const full = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(full * (0.5 + random() * 0.5));
}
