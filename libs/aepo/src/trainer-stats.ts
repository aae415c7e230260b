import type { Completion } from './ports.js';

/** A reward at or above this counts as correct (full score) for accuracy. */
const CORRECT = 1 - 1e-9;

export function isCorrect(reward: number): boolean {
  return reward >= CORRECT;
}

/** The fraction of rewards that count as correct; null for none. */
export function correctFraction(rewards: readonly number[]): number | null {
  return rewards.length > 0 ? rewards.filter(isCorrect).length / rewards.length : null;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Token-weighted mean of a per-completion mean (= the mean over all response tokens). */
export function tokenMean(cs: readonly Completion[], f: (c: Completion) => number): number {
  let tokens = 0;
  let sum = 0;
  for (const c of cs) {
    tokens += c.tokens;
    sum += f(c) * c.tokens;
  }
  return tokens > 0 ? sum / tokens : 0;
}
