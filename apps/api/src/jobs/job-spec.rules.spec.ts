/** The contract's rules (buf.validate in job.proto) as the API enforces them, field by field. */
import {
  Algorithm,
  ControllerKind,
  ControlVariable,
  EntropyTarget,
  JobSpec,
  ScheduleKind,
} from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { validateEntropyTarget, validateJobSpec } from './job-spec.validator.js';
import { Violations } from '../common/violations.js';

const MODELS = ['builtin:tiny-arith'];
const base = {
  baseModel: 'builtin:tiny-arith',
  trainingDataset: 'projects/p/datasets/00000000-0000-4000-8000-000000000001',
  entropyTarget: { constant: 0.4 },
};
const fields = (over: object) =>
  validateJobSpec(JobSpec.fromPartial({ ...base, ...over }), MODELS).list.map((v) => v.field);

describe('JobSpec rules from the contract', () => {
  it('accepts a minimal spec', () => {
    expect(fields({})).toEqual([]);
  });

  it.each([
    [{ baseModel: '' }, ['spec.base_model']],
    [{ baseModel: 'hf:x/y' }, ['spec.base_model']],
    [{ trainingDataset: 'projects/p/datasets/not-a-uuid' }, ['spec.training_dataset']],
    [{ trainingDataset: '00000000-0000-4000-8000-000000000001' }, ['spec.training_dataset']],
    [{ validationDataset: 'nope' }, ['spec.validation_dataset']],
    [{ entropyTarget: undefined }, ['spec.entropy_target']],
    [{ entropyTarget: undefined, algorithm: Algorithm.ALGORITHM_GRPO }, []],
    [{ entropyTarget: {} }, ['spec.entropy_target']],
    [{ entropyTarget: { constant: Number.NaN } }, ['spec.entropy_target.constant']],
    [{ rollout: { topP: 0 } }, ['spec.rollout.top_p']],
    [{ rollout: { stop: ['ok', ''] } }, ['spec.rollout.stop[1]']],
    [
      { rollout: { promptsPerStep: 8 }, optimization: { miniBatchPrompts: 16 } },
      ['spec.optimization.mini_batch_prompts'],
    ],
    [{ optimization: { miniBatchPrompts: 600 } }, ['spec.optimization.mini_batch_prompts']],
    [{ optimization: { adamBeta2: 1 } }, ['spec.optimization.adam_beta2']],
    [{ optimization: { adamEps: 0 } }, ['spec.optimization.adam_eps']],
    [{ optimization: { seed: 2 ** 53 } }, ['spec.optimization.seed']],
    [{ labels: { 'Bad Key': 'x', ok: 'y'.repeat(64) } }, ['spec.labels[Bad Key]', 'spec.labels[ok]']],
    [{ validation: { everyNSteps: 5 } }, ['spec.validation.every_n_steps']],
    [
      {
        aepo: {
          controller: {
            kind: ControllerKind.CONTROLLER_KIND_DUAL,
            variable: ControlVariable.CONTROL_VARIABLE_SHARE,
          },
        },
      },
      ['spec.aepo.controller.variable'],
    ],
    [{ model: { maxTokensPerMicroBatch: 0 } }, []],
    [{ model: { maxTokensPerMicroBatch: 100 } }, ['spec.model.max_tokens_per_micro_batch']],
    [
      { mlflow: { trackingUri: 'http://u:p@host/', experimentName: '', registeredModelName: ' ' } },
      ['spec.mlflow.tracking_uri', 'spec.mlflow.registered_model_name'],
    ],
    [{ grader: { weighted: { parts: [{ weight: 1 }] } } }, ['spec.grader.weighted.parts[0].grader']],
    [{ grader: { regex: { pattern: '(a)\\1' } } }, ['spec.grader.regex.pattern']],
  ] as [object, string[]][])('%j names %j', (over, expected) => {
    expect(fields(over).sort()).toEqual([...expected].sort());
  });

  it('checks a schedule by its kind and names the point out of order', () => {
    const target = (schedule: object) => {
      const v = new Violations();
      validateEntropyTarget(v, 'entropy_target', EntropyTarget.fromPartial({ schedule }), true);
      return v.list.map((x) => x.field);
    };
    const linear = { kind: ScheduleKind.SCHEDULE_KIND_LINEAR, startValue: 0.5, endValue: 0.3, points: [] };
    expect(target(linear)).toEqual([]);
    expect(target({ ...linear, startStep: 10, endStep: 5 })).toEqual(['entropy_target.schedule.end_step']);
    expect(target({ ...linear, endValue: 0 })).toEqual(['entropy_target.schedule.end_value']);
    const points = [
      { step: 5, value: 0.3 },
      { step: 5, value: 0.2 },
    ];
    expect(target({ kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE, points })).toEqual([
      'entropy_target.schedule.points[1].step',
    ]);
    expect(target({ kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE, points: [] })).toEqual([
      'entropy_target.schedule.points',
    ]);
  });
});

describe('rules between a caller value and a default, on the resolved spec', () => {
  const violations = (over: object) =>
    validateJobSpec(JobSpec.fromPartial({ ...base, ...over }), MODELS).list;
  const ramp = (startStep: number, endStep = 0) => ({
    schedule: { kind: ScheduleKind.SCHEDULE_KIND_LINEAR, startValue: 0.5, endValue: 0.3, startStep, endStep },
  });

  it('names the default prompts_per_step a mini-batch exceeds, once', () => {
    expect(violations({ optimization: { miniBatchPrompts: 600 } })).toEqual([
      {
        field: 'spec.optimization.mini_batch_prompts',
        description: 'must not exceed rollout.prompts_per_step (512)',
      },
    ]);
    // Out of range as well: the contract's violation alone.
    expect(violations({ optimization: { miniBatchPrompts: 70_000 } })).toHaveLength(1);
  });

  it("takes the caller's value over the default it replaces", () => {
    expect(violations({ rollout: { promptsPerStep: 600 }, optimization: { miniBatchPrompts: 600 } })).toEqual(
      [],
    );
    expect(violations({ rollout: { promptsPerStep: 64 } })).toEqual([]); // the default mini-batch follows
  });

  it('names the max_steps a ramp without end_step ends at', () => {
    expect(violations({ entropyTarget: ramp(150) })).toEqual([
      {
        field: 'spec.entropy_target.schedule.start_step',
        description: 'must be below optimization.max_steps (100), where the ramp ends when end_step is unset',
      },
    ]);
    expect(violations({ entropyTarget: ramp(150), optimization: { maxSteps: 200 } })).toEqual([]);
    // An end_step the caller set is the contract's to check, on its own field.
    expect(violations({ entropyTarget: ramp(150, 120) }).map((x) => x.field)).toEqual([
      'spec.entropy_target.schedule.end_step',
    ]);
  });
});
