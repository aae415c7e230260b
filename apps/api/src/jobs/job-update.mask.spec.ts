import { EntropyEstimator, ScheduleKind, type EntropyTarget } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { inJobSpec, mergeTarget, parseJobUpdateMask } from './job-update.mask.js';

function refusal(paths: string[] | undefined): ApiError {
  try {
    parseJobUpdateMask(paths);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`mask ${JSON.stringify(paths)} was accepted`);
}

const current: EntropyTarget = {
  constant: 0.3,
  tolerance: 0.05,
  estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
};
const schedule = {
  kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
  startValue: 0.5,
  endValue: 0.2,
  startStep: 0,
  endStep: 10,
  points: [],
};

describe('parseJobUpdateMask', () => {
  it('accepts the whole target, or its parts', () => {
    expect(parseJobUpdateMask(['spec.entropy_target'])).toEqual({ whole: true });
    expect(parseJobUpdateMask(['spec.entropy_target.tolerance', 'spec.entropy_target.constant'])).toEqual({
      whole: false,
      parts: ['tolerance', 'constant'],
    });
    expect(parseJobUpdateMask(['spec.entropy_target.tolerance', 'spec.entropy_target'])).toEqual({
      whole: true,
    });
  });

  it.each([
    ['no mask', undefined, /is required/],
    ['an empty mask', [], /is required/],
    ['the wildcard', ['*'], /wildcard \* is not supported/],
    ['an immutable field', ['spec.base_model'], /"spec.base_model" cannot be updated/],
    ['an output-only field', ['state'], /"state" cannot be updated/],
    ['an unknown field', ['spec.entropy_target.nope'], /"spec.entropy_target.nope" cannot be updated/],
    [
      'both halves of the oneof',
      ['spec.entropy_target.constant', 'spec.entropy_target.schedule'],
      /name one/,
    ],
  ])('refuses %s with INVALID_ARGUMENT naming update_mask', (_what, paths, message) => {
    const err = refusal(paths);
    expect(err.code).toBe(ApiErrorCode.INVALID_INPUT);
    expect(err.violations.map((v) => v.field)).toEqual(['update_mask']);
    expect(err.violations[0]!.description).toMatch(message);
  });
});

describe('mergeTarget', () => {
  it('replaces the whole target with the given one', () => {
    expect(
      mergeTarget({ whole: true }, current, {
        constant: 0.4,
        estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
      }),
    ).toEqual({
      constant: 0.4,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
    });
  });

  it('changes only the named parts and keeps the rest', () => {
    expect(
      mergeTarget({ whole: false, parts: ['tolerance'] }, current, {
        tolerance: 0.1,
        estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
      }),
    ).toEqual({
      ...current,
      tolerance: 0.1,
    });
  });

  it('lets constant and schedule replace each other', () => {
    const ramp = mergeTarget({ whole: false, parts: ['schedule'] }, current, {
      schedule,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
    });
    expect(ramp).toEqual({
      schedule,
      tolerance: 0.05,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
    });
    const back = mergeTarget({ whole: false, parts: ['constant'] }, ramp, {
      constant: 0.25,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
    });
    expect(back).toEqual({ ...current, constant: 0.25 });
  });

  it('clears a named part the job does not carry, so its default applies', () => {
    const merged = mergeTarget({ whole: false, parts: ['tolerance', 'estimator'] }, current, undefined);
    expect(merged).toEqual({ constant: 0.3, estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED });
  });
});

describe('inJobSpec', () => {
  it('names target violations where UpdateJob callers put them, and leaves other errors alone', () => {
    const mapped = inJobSpec(
      ApiError.invalid([{ field: 'entropy_target.constant', description: 'must be > 0' }]),
    );
    expect((mapped as ApiError).violations).toEqual([
      { field: 'job.spec.entropy_target.constant', description: 'must be > 0' },
    ]);
    const other = new ApiError(ApiErrorCode.ILLEGAL_TRANSITION, 'job is SUCCEEDED');
    expect(inJobSpec(other)).toBe(other);
  });
});
