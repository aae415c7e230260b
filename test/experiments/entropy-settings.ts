/** Settings of the entropy comparison, shared by the integration test and the experiment. */
import type { AepoConfig } from '@aepo/aepo';
import type { CommonSettings, RunSpec } from './entropy-runs.js';

type AepoInput = Partial<Omit<AepoConfig, 'controller'>> & { controller?: Partial<AepoConfig['controller']> };

/** Common budget: every run of a seed starts from the same weights and trains this long. */
export const ENTROPY_COMMON: CommonSettings = {
  seed: 1,
  steps: 600,
  promptsPerStep: 32,
  samplesPerPrompt: 8,
  lr: 3e-4,
  maxTokens: 8,
  model: 'builtin:tiny-arith',
};

/** AEPO knobs that held targets on tiny-arith (see docs/results/entropy.md). */
export const AEPO_KNOBS: AepoInput = {
  tHigh: 1.5,
  tLow: 0.6,
  resampleFraction: 0.25,
  share: { kind: 'fraction', fraction: 0.1 },
  // The reference rule plus the entropy-coefficient dual variable for what it cannot reach alone.
  controller: { mode: 'dual' },
};

/**
 * Targets as fractions of the initial policy's entropy H0, both below the start as the issue asks.
 * On builtin:tiny-arith v3 (H0 about 0.64) they are about 0.32 and 0.51. The reachable band on this
 * task is narrow: GRPO falls to about 0.38 in this budget, positive-only REINFORCE at T 0.6 reaches
 * about 0.33, and at T 1.5 it holds at most about 0.49 (a target of 1.15 H0 plateaued there, and
 * 0.4 H0 stalled at 0.33; docs/results/entropy.md).
 */
export const TARGET_FRACTIONS = { low: 0.5, high: 0.8 } as const;

export function aepoSpec(name: string, target: number, over: AepoInput = {}): RunSpec {
  return {
    name,
    target,
    config: {
      algorithm: 'aepo',
      aepo: { ...AEPO_KNOBS, ...over, controller: { ...AEPO_KNOBS.controller, ...over.controller } },
      entropy: { target: { kind: 'constant', value: target }, unreachableAfterSteps: 30 },
    },
  };
}

export function baselineSpecs(): RunSpec[] {
  return [
    { name: 'GRPO', target: null, config: { algorithm: 'grpo' } },
    { name: 'Entropy-Reg c=0.03', target: null, config: { algorithm: 'entropy-reg', entropyRegCoef: 0.03 } },
    {
      name: 'Entropy-Adv a=0.4 k=2',
      target: null,
      config: { algorithm: 'entropy-adv', entropyAdvAlpha: 0.4, entropyAdvKappa: 2 },
    },
  ];
}
