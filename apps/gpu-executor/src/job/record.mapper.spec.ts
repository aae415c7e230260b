import type { StepRecord as AepoStep } from '@aepo/aepo';
import { describe, expect, it } from 'vitest';
import { toProtoEvaluation, toProtoStep } from './record.mapper.js';

const base = {
  step: 3,
  entropyFullVocab: 0.4,
  entropySampledToken: 0.38,
  target: 0.4,
  targetLower: 0.35,
  targetUpper: 0.45,
  temperature: null,
  reinforceSamples: 2,
  reinforcePositives: 4,
  rewardMean: 0.5,
  rewardStd: 0.1,
  accuracy: 0.5,
  zeroVarianceGroupFraction: 0,
  responseLengthMean: 7,
  loss: Number.NaN,
  clipFractionLow: 0.01,
  clipFractionHigh: 0.02,
  clipFractionDual: 0.003,
  approxKl: Number.NEGATIVE_INFINITY,
  kl: 0.25,
  gradNorm: Number.POSITIVE_INFINITY,
  generatedTokens: 100,
  trainedTokens: 90,
  timings: { sample: 1, reward: 0.1, train: 2, total: 3.2 },
  targetUnreachable: false,
  lr: 1e-6,
} as unknown as AepoStep;

describe('record mapper', () => {
  it('sends NaN and infinities as they are, not as 0', () => {
    const r = toProtoStep(base, 1, 0.5);
    expect(r.loss).toBeNaN();
    expect(r.gradNorm).toBe(Number.POSITIVE_INFINITY);
    expect(r.approxKl).toBe(Number.NEGATIVE_INFINITY);
    expect(r.entropy).toBe(0.4);
    expect(r.stepSeconds).toBe(3.7);
    // The reference KL and the dual-clip share as the engine reported them (were: approx KL and 0).
    expect(r.kl).toBe(0.25);
    expect(r.dualClipFraction).toBe(0.003);
    // record.proto documents temperature 0 when nothing was re-sampled.
    expect(r.temperature).toBe(0);
  });

  it('marks an unknown pass@k as NaN, not 0', () => {
    const e = toProtoEvaluation(
      { step: 2, temperature: 1, prompts: 4, accuracy: 0.5, passAtK: {}, entropy: Number.NaN } as never,
      1,
    );
    expect(e.passAtK).toBeNaN();
    expect(e.entropy).toBeNaN();
    expect(e.accuracy).toBe(0.5);
  });
});
