/**
 * Validation of a caller's JobSpec. Field rules (ranges, lengths, enums, cross-field rules) are the
 * contract's: buf.validate annotations in proto/aepo/v1/job.proto, enforced by job-spec.rules.ts.
 * What stays here needs more than the message: the deployment's model allow-list, rules between a
 * caller's value and one it left to its default (checked on the resolved spec, so no default is read
 * here) or the stored job, a regex compiled by RE2, per-index order of schedule points and the
 * nesting depth of graders.
 */
import {
  applySpecDefaults,
  ScheduleKind,
  type EntropyTarget,
  type GraderSpec,
  type JobSpec,
} from '@aepo/contracts';
import { regexProblem } from '@aepo/rewards';
import { Violations } from '../common/violations.js';
import { entropyTargetRuleViolations, jobSpecRuleViolations } from './job-spec.rules.js';

const MAX_GRADER_DEPTH = 4;

/** Checks an entropy target; `prefix` is the field path of the target message. */
export function validateEntropyTarget(
  v: Violations,
  prefix: string,
  t: EntropyTarget | undefined,
  required: boolean,
): void {
  if (t === undefined) {
    if (required) v.add(prefix, 'is required');
    return;
  }
  for (const f of entropyTargetRuleViolations(t, prefix)) v.add(f.field, f.description);
  checkPointOrder(v, prefix, t);
}

/** PIECEWISE points: steps strictly increasing, named by the index of the first one out of order. */
function checkPointOrder(v: Violations, prefix: string, t: EntropyTarget): void {
  const s = t.schedule;
  if (s?.kind !== ScheduleKind.SCHEDULE_KIND_PIECEWISE) return;
  s.points.forEach((p, i) => {
    const prev = s.points[i - 1];
    if (prev !== undefined && p.step <= prev.step)
      v.add(`${prefix}.schedule.points[${i}].step`, 'steps must be strictly increasing');
  });
}

/**
 * A LINEAR or COSINE ramp whose end_step is left to default ends at max_steps: its start_step must lie
 * before that (the trainer refuses a ramp that ends before it starts, and the job would fail on the
 * executor). `maxSteps` is the job's effective optimization.max_steps.
 */
export function checkScheduleFitsSteps(
  v: Violations,
  prefix: string,
  t: EntropyTarget | undefined,
  maxSteps: number,
): void {
  const s = t?.schedule;
  if (!s || (s.kind !== ScheduleKind.SCHEDULE_KIND_LINEAR && s.kind !== ScheduleKind.SCHEDULE_KIND_COSINE))
    return;
  if (s.endStep === 0 && s.startStep >= maxSteps) {
    v.add(
      `${prefix}.schedule.start_step`,
      `must be below optimization.max_steps (${maxSteps}), where the ramp ends when end_step is unset`,
    );
  }
}

/** RE2 compiles every regex pattern; weighted graders nest at most MAX_GRADER_DEPTH deep. */
function checkGrader(v: Violations, prefix: string, g: GraderSpec | undefined, depth: number): void {
  if (g === undefined) return;
  if (depth > MAX_GRADER_DEPTH) {
    v.add(prefix, `weighted graders nest at most ${MAX_GRADER_DEPTH} deep`);
    return;
  }
  // The grader runs patterns on RE2 (linear time): what RE2 refuses (backreferences, lookaround)
  // is refused here, with the grader's own reason, instead of scoring every sample 0.
  const pattern = g.regex?.pattern;
  const problem = pattern ? regexProblem(pattern) : null;
  if (problem !== null) v.add(`${prefix}.regex.pattern`, problem);
  g.weighted?.parts.forEach((part, i) =>
    checkGrader(v, `${prefix}.weighted.parts[${i}].grader`, part.grader, depth + 1),
  );
}

/**
 * Rules between two fields, run on the resolved spec (what the API will store): they catch a caller's
 * value that collides with a default it left unset, naming the value it collides with. The contract
 * checks the pairs a caller sets both of; a field it already faulted is not reported twice.
 */
function checkResolved(v: Violations, p: string, caller: JobSpec, resolved: JobSpec): void {
  const maxSteps = resolved.optimization!.maxSteps!;
  // The caller's target: its end_step 0 is "unset" (the resolved one already ends at max_steps).
  if (Number.isSafeInteger(maxSteps))
    checkScheduleFitsSteps(v, `${p}.entropy_target`, caller.entropyTarget, maxSteps);
  const mini = `${p}.optimization.mini_batch_prompts`;
  const prompts = resolved.rollout!.promptsPerStep!;
  if (resolved.optimization!.miniBatchPrompts! > prompts && !v.list.some((x) => x.field === mini))
    v.add(mini, `must not exceed rollout.prompts_per_step (${prompts})`);
}

/**
 * Validates a caller's spec: the contract's rules on what it sets, then the rules between fields on
 * the spec resolved with its defaults. Dataset existence is checked by the service; this is every
 * rule that needs no database.
 */
export function validateJobSpec(spec: JobSpec | undefined, models: readonly string[]): Violations {
  const v = new Violations();
  if (spec === undefined) {
    v.add('spec', 'is required');
    return v;
  }
  const p = 'spec';
  for (const f of jobSpecRuleViolations(spec, p)) v.add(f.field, f.description);
  if (spec.baseModel !== '' && !models.includes(spec.baseModel)) {
    v.add(`${p}.base_model`, `unknown model; allowed: ${models.join(', ')}`);
  }
  if (spec.entropyTarget) checkPointOrder(v, `${p}.entropy_target`, spec.entropyTarget);
  // The seed is drawn at create time and no rule reads it.
  checkResolved(
    v,
    p,
    spec,
    applySpecDefaults(spec, () => 0),
  );
  checkGrader(v, `${p}.grader`, spec.grader, 1);
  return v;
}
