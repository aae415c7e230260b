/**
 * What one step trains on: every T=1 sample with its GRPO advantage and, under AEPO, the chosen
 * positives of the re-sampled groups (advantage 1) in place of as many of them (reinforce.ts); plus
 * the rollouts to release and the loss settings of the Train call.
 */
import { groupAdvantages } from './advantages.js';
import type { AlgorithmConfig } from './config.js';
import type { ControllerDecision } from './controller.js';
import type { Completion, LossSettings } from './ports.js';
import {
  type BatchItem,
  choosePositives,
  composeBatch,
  reinforceCount,
  selectPositives,
  shareLimit,
} from './reinforce.js';
import { deriveSeed } from './rng.js';
import { correctFraction } from './trainer-stats.js';

export interface StepBatch {
  items: BatchItem[];
  /** Rollouts the engine holds that are not trained on: release them before Train. */
  release: string[];
  /** Positives found among the re-samples. */
  positives: number;
  /** The share limit on reinforced items before scaling and halving. */
  limit: number;
  /** Reinforced items in the batch. */
  k: number;
  /** Accuracy of the re-samples; null without any. */
  resampleAccuracy: number | null;
}

/**
 * The Train items of a step.
 * @param groups the sampled groups: the B T=1 groups first, then the re-sampled ones (AEPO)
 * @param rewards one reward list per group, in the same order
 * @param decision the controller's decision (AEPO); null trains plain GRPO on the T=1 groups
 */
export function composeStepBatch(opts: {
  config: AlgorithmConfig;
  step: number;
  groups: readonly Completion[][];
  rewards: readonly number[][];
  decision: ControllerDecision | null;
}): StepBatch {
  const { config: cfg, step, groups, rewards, decision } = opts;
  const B = cfg.rollout.promptsPerStep;
  const n = cfg.rollout.samplesPerPrompt;
  const grpoItems: BatchItem[] = [];
  groups.slice(0, B).forEach((g, gi) => {
    const adv = groupAdvantages(rewards[gi]!, cfg.advantageEps);
    g.forEach((c, j) => grpoItems.push({ rolloutId: c.rolloutId, advantage: adv[j]!, source: 'grpo' }));
  });
  if (!decision)
    return { items: grpoItems, release: [], positives: 0, limit: 0, k: 0, resampleAccuracy: null };

  const re = groups.slice(B);
  const reRewards = rewards.slice(B);
  const found = selectPositives(reRewards, cfg.aepo.positiveThreshold, cfg.advantageEps);
  const limit = shareLimit(cfg.aepo.share, B * n);
  const k = reinforceCount({
    limit,
    scale: decision.shareScale,
    positives: found.length,
    halve: decision.halve,
  });
  const chosen = choosePositives(found, k, deriveSeed(cfg.seed, step, 'choose'));
  const chosenIds = chosen.map(({ group, member }) => re[group]![member]!.rolloutId);
  const composed = composeBatch(grpoItems, chosenIds, deriveSeed(cfg.seed, step, 'compose'));
  const chosenSet = new Set(chosenIds);
  const unchosen = re
    .flat()
    .map((c) => c.rolloutId)
    .filter((id) => !chosenSet.has(id));
  return {
    items: composed.batch,
    release: [...composed.dropped, ...unchosen],
    positives: found.length,
    limit,
    k,
    resampleAccuracy: correctFraction(reRewards.flat()),
  };
}

/**
 * The loss settings of a step's Train call.
 * @param controlCoef the entropy coefficient chosen by AEPO's 'dual' controller (0 otherwise)
 */
export function lossSettings(c: AlgorithmConfig, shuffleSeed: number, controlCoef: number): LossSettings {
  return {
    clipLow: c.optim.clipLow,
    clipHigh: c.optim.clipHigh,
    dualClip: c.optim.dualClip,
    aggregation: c.optim.lossAggregation,
    klCoef: c.optim.klCoef,
    entropyCoef: c.algorithm === 'entropy-reg' ? c.entropyRegCoef : controlCoef,
    entropyAdvAlpha: c.algorithm === 'entropy-adv' ? c.entropyAdvAlpha : 0,
    entropyAdvKappa: c.entropyAdvKappa,
    miniBatchSize: c.optim.miniBatchSize,
    microBatchSize: c.optim.microBatchSize,
    epochs: c.optim.epochs,
    shuffleSeed,
  };
}
