/**
 * Validation metrics as in the AEPO paper's evaluation: pass@1 (mean accuracy over samples) and the
 * unbiased pass@k estimator of Chen et al. 2021 (Codex): for a prompt with n samples of which c are
 * correct, pass@k = 1 - C(n - c, k) / C(n, k).
 */

/** Unbiased pass@k of one prompt; k <= n. Computed as a product to stay exact for large n. */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n || k < 1) throw new Error(`pass@k needs 1 <= k <= n (k=${k}, n=${n})`);
  if (n - c < k) return 1;
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Mean pass@k over prompts; correct_P[p] = correct samples of prompt p, each of n. */
export function meanPassAtK(correct_P: readonly number[], n: number, k: number): number {
  if (correct_P.length === 0) return 0;
  let sum = 0;
  for (const c of correct_P) sum += passAtK(n, c, k);
  return sum / correct_P.length;
}
