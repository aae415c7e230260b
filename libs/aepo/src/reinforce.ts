/**
 * AEPO's REINFORCE part (arXiv 2510.08141, eq. for grad J_AEPO): correct samples drawn at temperature
 * T != 1 are trained with advantage exactly 1 (R = 1, positives only, no importance weight), mixed into
 * the GRPO batch in place of some of its items.
 */
import type { ReinforceShare } from './config.js';
import { grpoAdvantages } from './advantages.js';
import { Rng } from './rng.js';

/**
 * Indices (group, member) of positive re-samples: GRPO advantage within their own group strictly
 * above `threshold` (with 0/1 rewards: the correct answers of mixed groups).
 */
export function selectPositives(
  rewards_P_G: readonly (readonly number[])[],
  threshold: number,
  eps: number,
): { group: number; member: number }[] {
  const out: { group: number; member: number }[] = [];
  grpoAdvantages(rewards_P_G, eps).forEach((adv_G, group) =>
    adv_G.forEach((a, member) => {
      if (a > threshold) out.push({ group, member });
    }),
  );
  return out;
}

/**
 * Upper bound on REINFORCE samples in a batch of `batchSize` items before halving or scaling:
 * the count itself, or floor(fraction * batchSize); never more than the batch.
 */
export function shareLimit(share: ReinforceShare, batchSize: number): number {
  const raw = share.kind === 'count' ? share.count : Math.floor(share.fraction * batchSize + 1e-9);
  return Math.max(0, Math.min(batchSize, raw));
}

/**
 * How many REINFORCE samples to use: k = min(floor(limit * scale), positives), then halved (floor)
 * when `halve` is set (the reference halves k when H > H*). k = 0 is valid (no positives: plain GRPO).
 */
export function reinforceCount(opts: {
  limit: number;
  scale: number;
  positives: number;
  halve: boolean;
}): number {
  let k = Math.min(Math.floor(opts.limit * opts.scale + 1e-9), opts.positives);
  if (opts.halve) k = Math.floor(k / 2);
  return Math.max(0, k);
}

/** One item of a training batch. */
export interface BatchItem {
  rolloutId: string;
  advantage: number;
  /** 'grpo' for on-policy items, 'reinforce' for the re-sampled positives. */
  source: 'grpo' | 'reinforce';
}

/**
 * Mixes k REINFORCE items into the GRPO batch, keeping its size: k GRPO items chosen uniformly at
 * random (seeded) are dropped, the REINFORCE items (advantage 1) are added, and the whole batch is
 * shuffled so every optimizer mini-batch gets its share (the reference put them all in the first).
 * @returns the batch and the rollout ids that were dropped (to be released).
 */
export function composeBatch(
  grpoItems: readonly BatchItem[],
  reinforceIds: readonly string[],
  seed: number,
): { batch: BatchItem[]; dropped: string[] } {
  const rng = new Rng(seed);
  const k = Math.min(reinforceIds.length, grpoItems.length);
  const order = rng.shuffled(grpoItems.map((_, i) => i));
  const drop = new Set(order.slice(0, k));
  const kept = grpoItems.filter((_, i) => !drop.has(i));
  const dropped = grpoItems.filter((_, i) => drop.has(i)).map((it) => it.rolloutId);
  const reinforce = reinforceIds
    .slice(0, k)
    .map((rolloutId): BatchItem => ({ rolloutId, advantage: 1, source: 'reinforce' }));
  return { batch: rng.shuffled([...kept, ...reinforce]), dropped };
}

/** Chooses `k` of the positives uniformly at random (seeded), in a deterministic order. */
export function choosePositives<T>(positives: readonly T[], k: number, seed: number): T[] {
  return new Rng(seed).shuffled(positives).slice(0, k);
}
