import type { AlgorithmConfig } from './config.js';
import { meanPassAtK } from './evaluation.js';
import type { Completion, Example, PolicyEngine, RewardFn } from './ports.js';
import type { EvaluationRecord } from './records.js';
import { deriveSeed } from './rng.js';
import { isCorrect, mean, tokenMean } from './trainer-stats.js';

/**
 * Validation pass on the validation set at the configured temperature, k samples per prompt:
 * pass@1 and unbiased pass@k. Sampling is seeded by (config.seed, step), so the pass changes no
 * training state.
 * @param now milliseconds clock for the pass's duration
 */
export async function runValidation(opts: {
  config: AlgorithmConfig;
  engine: PolicyEngine;
  reward: RewardFn;
  validationSet: readonly Example[];
  step: number;
  now: () => number;
}): Promise<EvaluationRecord> {
  const { config, engine, reward, validationSet, step, now } = opts;
  const v = config.validation;
  const t0 = now();
  const set = v.maxPrompts > 0 ? validationSet.slice(0, v.maxPrompts) : validationSet;
  const correct_P: number[] = [];
  const all: Completion[] = [];
  let total = 0;
  let correctTotal = 0;
  for (let start = 0, part = 0; start < set.length; start += v.batchPrompts, part++) {
    const chunk = set.slice(start, start + v.batchPrompts);
    const res = await engine.sample({
      groups: chunk.map((e) => ({ prompt: e.prompt, n: v.samplesPerPrompt, temperature: v.temperature })),
      topP: config.rollout.topP,
      maxTokens: config.rollout.maxTokens,
      stop: config.rollout.stop,
      seed: deriveSeed(config.seed, step, 'validate', part),
      keepRollouts: false,
    });
    const items = res.groups.flatMap((g, gi) =>
      g.map((c) => ({ prompt: chunk[gi]!.prompt, completion: c.text, answer: chunk[gi]!.answer })),
    );
    const scores = await reward(items);
    res.groups.forEach((g, gi) => {
      let c = 0;
      g.forEach((_, j) => {
        if (isCorrect(scores[gi * v.samplesPerPrompt + j]!)) c++;
      });
      correct_P.push(c);
      correctTotal += c;
      total += g.length;
      all.push(...g);
    });
  }
  const passAtK: Record<string, number> = {};
  for (const k of v.passK) passAtK[String(k)] = meanPassAtK(correct_P, v.samplesPerPrompt, k);
  return {
    step,
    temperature: v.temperature,
    prompts: set.length,
    samplesPerPrompt: v.samplesPerPrompt,
    accuracy: total > 0 ? correctTotal / total : 0,
    passAtK,
    entropy: tokenMean(all, (c) => c.entropy),
    responseLengthMean: mean(all.map((c) => c.tokens)),
    seconds: (now() - t0) / 1000,
  };
}
