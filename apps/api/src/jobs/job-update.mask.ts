import { EntropyEstimator, type EntropyTarget } from '@aepo/contracts';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { Violations } from '../common/violations.js';

const TARGET = 'spec.entropy_target';
/** The parts of the entropy target UpdateJob can set one by one. */
const TARGET_PARTS = ['constant', 'schedule', 'tolerance', 'estimator'] as const;
type TargetPart = (typeof TARGET_PARTS)[number];

/** Every path UpdateJob accepts in update_mask; every other field of a job is immutable. */
export const UPDATABLE_JOB_PATHS = [TARGET, ...TARGET_PARTS.map((p) => `${TARGET}.${p}`)];

/** What an UpdateJob mask asks for: the whole target, or some of its parts. */
export type TargetUpdate = { whole: true } | { whole: false; parts: TargetPart[] };

/**
 * Checks an UpdateJob update_mask (AIP-134/AIP-161): at least one path, each updatable, no wildcard,
 * not both `constant` and `schedule` (they are one oneof). Violations name `update_mask`.
 */
export function parseJobUpdateMask(paths: string[] | undefined): TargetUpdate {
  const v = new Violations();
  const list = UPDATABLE_JOB_PATHS.join(', ');
  if (!paths || paths.length === 0) v.add('update_mask', `is required: paths among ${list}`);
  const parts = new Set<TargetPart>();
  let whole = false;
  for (const path of paths ?? []) {
    if (path === '*') v.add('update_mask', `the wildcard * is not supported: name the paths (${list})`);
    else if (path === TARGET) whole = true;
    else if (UPDATABLE_JOB_PATHS.includes(path)) parts.add(path.slice(TARGET.length + 1) as TargetPart);
    else
      v.add(
        'update_mask',
        `${JSON.stringify(path)} cannot be updated (immutable or unknown); paths among ${list}`,
      );
  }
  if (parts.has('constant') && parts.has('schedule'))
    v.add('update_mask', `${TARGET}.constant and ${TARGET}.schedule replace each other: name one`);
  if (!v.empty) throw ApiError.invalid(v.list);
  return whole ? { whole: true } : { whole: false, parts: [...parts] };
}

type OptionalPart = Exclude<TargetPart, 'estimator'>;

/** The part `key` of `given` into `next`; unset in `given`, unset in `next` (its default applies). */
function copyPart(next: EntropyTarget, given: EntropyTarget | undefined, key: OptionalPart): void {
  if (given?.[key] === undefined) delete next[key];
  else Object.assign(next, { [key]: given[key] });
}

/** How each part is taken from the given target; constant and schedule are a oneof. */
const MERGE_PART: Record<TargetPart, (next: EntropyTarget, given: EntropyTarget | undefined) => void> = {
  constant: (next, given) => {
    delete next.schedule;
    copyPart(next, given, 'constant');
  },
  schedule: (next, given) => {
    delete next.constant;
    copyPart(next, given, 'schedule');
  },
  tolerance: (next, given) => copyPart(next, given, 'tolerance'),
  // Not optional in the message: unset is UNSPECIFIED, which the defaults then fill.
  estimator: (next, given) => {
    next.estimator = given?.estimator ?? EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED;
  },
};

/**
 * The target to store: the given one for the whole path, else the current one with the named parts
 * taken from the given one (an unset tolerance or estimator then falls back to its default).
 */
export function mergeTarget(
  update: TargetUpdate,
  current: EntropyTarget | undefined,
  given: EntropyTarget | undefined,
): EntropyTarget | undefined {
  if (update.whole) return given;
  const next: EntropyTarget = {
    ...(current ?? { estimator: EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED }),
  };
  for (const part of update.parts) MERGE_PART[part](next, given);
  return next;
}

/** The job service names target fields from `entropy_target`; UpdateJob's callers sent them in `job.spec`. */
export function inJobSpec(err: unknown): unknown {
  if (!(err instanceof ApiError) || err.code !== ApiErrorCode.INVALID_INPUT) return err;
  return ApiError.invalid(
    err.violations.map((f) => ({
      ...f,
      field: f.field.startsWith('entropy_target') ? `job.spec.${f.field}` : f.field,
    })),
  );
}
