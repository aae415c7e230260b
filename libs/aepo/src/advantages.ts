/**
 * GRPO group-relative advantages (Shao et al. 2024, DeepSeekMath; as in the AEPO reference code):
 *   A_i = (r_i - mean(r_G)) / (std(r_G) + eps),   std unbiased (divides by G - 1).
 * The same value applies to every token of completion i.
 */

/**
 * Advantages of one prompt group.
 * @param rewards_G rewards of the G completions of one prompt
 * @param eps added to the std; 1e-6 in the reference
 * @returns advantages_G; all zeros when G = 1 (no baseline to compare with) or when every reward is
 *   equal (std 0: nothing to learn from the group, and (r - mean) is exactly 0 anyway).
 */
export function groupAdvantages(rewards_G: readonly number[], eps: number): number[] {
  const g = rewards_G.length;
  if (g <= 1) return rewards_G.map(() => 0);
  let mean = 0;
  for (const r of rewards_G) mean += r;
  mean /= g;
  let ss = 0;
  for (const r of rewards_G) ss += (r - mean) * (r - mean);
  const std = Math.sqrt(ss / (g - 1));
  // Exact equality check guards floating noise turning an all-equal group into +-tiny/eps values.
  if (rewards_G.every((r) => r === rewards_G[0])) return rewards_G.map(() => 0);
  return rewards_G.map((r) => (r - mean) / (std + eps));
}

/** Advantages of several groups: advantages_P_G[p] = groupAdvantages(rewards_P_G[p]). */
export function grpoAdvantages(rewards_P_G: readonly (readonly number[])[], eps: number): number[][] {
  return rewards_P_G.map((g) => groupAdvantages(g, eps));
}

/** True when every member of the group has the same reward (GRPO learns nothing from it). */
export function isZeroVarianceGroup(rewards_G: readonly number[]): boolean {
  return rewards_G.every((r) => r === rewards_G[0]);
}
