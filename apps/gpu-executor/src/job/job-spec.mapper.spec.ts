import { targetAt } from '@aepo/aepo';
import {
  Algorithm,
  applySpecDefaults,
  ControlVariable,
  ControllerKind,
  EntropyEstimator,
  type JobSpec,
  LossAggregation,
  ScheduleKind,
} from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { JobSpecError, toAlgorithmConfig, toGraderSpec, toTargetSchedule } from './job-spec.mapper.js';

const base: JobSpec = applySpecDefaults({
  baseModel: 'builtin:tiny-arith',
  trainingDataset: 'projects/p/datasets/d',
  validationDataset: 'projects/p/datasets/v',
  algorithm: Algorithm.ALGORITHM_AEPO,
  entropyTarget: {
    constant: 0.5,
    tolerance: 0.02,
    estimator: EntropyEstimator.ENTROPY_ESTIMATOR_SAMPLED_TOKEN,
  },
  aepo: {
    tHigh: 1.3,
    tLow: 0.7,
    reinforceFraction: 0.1,
    controller: {
      kind: ControllerKind.CONTROLLER_KIND_PROPORTIONAL,
      variable: ControlVariable.CONTROL_VARIABLE_SHARE,
      proportionalGain: 3,
      integralGain: 0.5,
    },
  },
  rollout: { promptsPerStep: 16, samplesPerPrompt: 4, maxTokens: 32, topP: 0.9, stop: ['\n'] },
  optimization: {
    learningRate: 2e-5,
    lossAggregation: LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM,
    miniBatchPrompts: 8,
    epochsPerRollout: 2,
    maxSteps: 30,
    seed: 9,
  },
  validation: { everyNSteps: 5, temperature: 0.6, k: 4, maxPrompts: 10 },
  labels: {},
});

describe('toAlgorithmConfig', () => {
  it('maps every knob of the stored spec', () => {
    const c = toAlgorithmConfig(base);
    expect(c.algorithm).toBe('aepo');
    expect(c.seed).toBe(9);
    expect(c.maxSteps).toBe(30);
    expect(c.rollout).toMatchObject({
      promptsPerStep: 16,
      samplesPerPrompt: 4,
      maxTokens: 32,
      topP: 0.9,
      stop: ['\n'],
    });
    expect(c.optim).toMatchObject({
      lr: 2e-5,
      lossAggregation: 'seq-mean-token-sum',
      miniBatchSize: 32,
      epochs: 2,
    });
    expect(c.aepo).toMatchObject({ tHigh: 1.3, tLow: 0.7, share: { kind: 'fraction', fraction: 0.1 } });
    expect(c.aepo.controller).toMatchObject({ mode: 'pi', actuator: 'share', kp: 3, ki: 0.5 });
    expect(c.entropy).toMatchObject({
      target: { kind: 'constant', value: 0.5 },
      estimator: 'sampled-token',
      bandRelative: 0,
      bandAbsolute: 0.02,
    });
    expect(c.validation).toMatchObject({
      everySteps: 5,
      atEnd: true,
      temperature: 0.6,
      samplesPerPrompt: 4,
      passK: [1, 4],
      maxPrompts: 10,
    });
  });

  it("maps the DUAL controller and its entropy-coefficient knobs to 'dual'", () => {
    const c = toAlgorithmConfig(
      applySpecDefaults({
        ...base,
        aepo: {
          controller: {
            kind: ControllerKind.CONTROLLER_KIND_DUAL,
            variable: ControlVariable.CONTROL_VARIABLE_UNSPECIFIED,
            entropyCoefGain: 0.01,
            entropyCoefMaxStep: 0.003,
            entropyCoefLimit: 0.2,
            entropyCoefDeadband: 0.05,
          },
        },
      }),
    );
    expect(c.aepo.controller).toMatchObject({
      mode: 'dual',
      coefGain: 0.01,
      coefMaxStep: 0.003,
      coefLimit: 0.2,
      coefDeadband: 0.05,
    });
  });

  it('maps the baselines and turns validation off without a validation dataset', () => {
    const c = toAlgorithmConfig({
      ...base,
      algorithm: Algorithm.ALGORITHM_ENTROPY_REG,
      validationDataset: '',
      entropyReg: { coef: 0.01 },
    });
    expect(c.algorithm).toBe('entropy-reg');
    expect(c.entropyRegCoef).toBe(0.01);
    expect(c.validation.everySteps).toBe(0);
    expect(c.validation.atEnd).toBe(false);
  });

  it('rejects what the trainer cannot run with a JobSpecError', () => {
    expect(() => toAlgorithmConfig({ ...base, aepo: { tHigh: 0.5, tLow: 0.9 } })).toThrow(JobSpecError);
  });
});

describe('toTargetSchedule', () => {
  it('keeps a linear ramp from step 0 exact at every training step', () => {
    const s = {
      kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
      startValue: 1,
      endValue: 0.5,
      startStep: 0,
      endStep: 10,
      points: [],
    };
    const t = toTargetSchedule(s);
    for (const step of [1, 5, 10, 20])
      expect(targetAt(t, step)).toBeCloseTo(1 + (-0.5 * Math.min(step, 10)) / 10);
  });

  it('keeps a piecewise schedule with a point at step 0 exact', () => {
    const s = {
      kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE,
      startValue: 0,
      endValue: 0,
      startStep: 0,
      endStep: 0,
      points: [
        { step: 0, value: 0.8 },
        { step: 4, value: 0.4 },
        { step: 8, value: 0.6 },
      ],
    };
    const t = toTargetSchedule(s);
    expect(targetAt(t, 1)).toBeCloseTo(0.7);
    expect(targetAt(t, 2)).toBeCloseTo(0.6);
    expect(targetAt(t, 6)).toBeCloseTo(0.5);
    expect(targetAt(t, 9)).toBeCloseTo(0.6);
  });
});

describe('toGraderSpec', () => {
  it('maps nested weighted graders; a stored spec without one is refused, not defaulted', () => {
    expect(toGraderSpec({ math: {} })).toEqual({ kind: 'math' });
    expect(() => toGraderSpec(undefined)).toThrow(JobSpecError);
    expect(() => toGraderSpec({})).toThrow(/no grader kind/);
    expect(
      toGraderSpec({
        weighted: {
          parts: [
            { weight: 0.8, grader: { numeric: { relTol: 0.01 } } },
            { weight: 0.2, grader: { regex: { pattern: '^\\d+$' } } },
          ],
        },
      }),
    ).toEqual({
      kind: 'weighted',
      parts: [
        { weight: 0.8, grader: { kind: 'numeric', relTol: 0.01 } },
        { weight: 0.2, grader: { kind: 'regex', pattern: '^\\d+$' } },
      ],
    });
  });
});
