/**
 * Entropy target schedules H*(step). Steps are the trainer's 1-based step numbers; a schedule is a
 * pure function of the step, so a restored trainer sees the same targets.
 */

export type TargetSchedule =
  /** H* = value at every step. */
  | { kind: 'constant'; value: number }
  /** From `from` at `startStep` (default 1) to `to` at `endStep`, linearly; constant outside. */
  | { kind: 'linear'; from: number; to: number; startStep?: number; endStep: number }
  /** Half-cosine from `from` at `startStep` (default 1) to `to` at `endStep`; constant outside. */
  | { kind: 'cosine'; from: number; to: number; startStep?: number; endStep: number }
  /**
   * Points sorted by step. 'hold' (default) keeps each point's value until the next point;
   * 'linear' interpolates between points. Before the first point the first value holds, after the
   * last the last value.
   */
  | { kind: 'piecewise'; points: { step: number; value: number }[]; interpolation?: 'hold' | 'linear' };

export const TARGET_SCHEDULE_KINDS = ['constant', 'linear', 'cosine', 'piecewise'] as const;

/** Fraction of the way from startStep to endStep, clamped to [0, 1]. */
function progress(step: number, startStep: number, endStep: number): number {
  if (endStep <= startStep) return step >= endStep ? 1 : 0;
  return Math.min(1, Math.max(0, (step - startStep) / (endStep - startStep)));
}

/** H* at a step. */
export function targetAt(schedule: TargetSchedule, step: number): number {
  switch (schedule.kind) {
    case 'constant':
      return schedule.value;
    case 'linear': {
      const p = progress(step, schedule.startStep ?? 1, schedule.endStep);
      return schedule.from + (schedule.to - schedule.from) * p;
    }
    case 'cosine': {
      const p = progress(step, schedule.startStep ?? 1, schedule.endStep);
      return schedule.to + ((schedule.from - schedule.to) * (1 + Math.cos(Math.PI * p))) / 2;
    }
    case 'piecewise': {
      const pts = schedule.points;
      const first = pts[0];
      if (!first) throw new Error('piecewise schedule has no points');
      if (step <= first.step) return first.value;
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1]!;
        const b = pts[i]!;
        if (step < b.step) {
          if (schedule.interpolation === 'linear') {
            return a.value + ((b.value - a.value) * (step - a.step)) / (b.step - a.step);
          }
          return a.value;
        }
      }
      return pts[pts.length - 1]!.value;
    }
  }
}

/** Problems with a schedule as `field: message` strings; empty when valid. */
export function validateSchedule(schedule: unknown, field = 'target'): string[] {
  const problems: string[] = [];
  const s = schedule as Record<string, unknown> | null;
  const finiteNonNeg = (v: unknown, f: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push(`${f}: must be a finite number >= 0`);
  };
  const stepNumber = (v: unknown, f: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      problems.push(`${f}: must be an integer >= 1`);
  };
  if (!s || typeof s !== 'object') return [`${field}: must be an object`];
  switch (s.kind) {
    case 'constant':
      finiteNonNeg(s.value, `${field}.value`);
      break;
    case 'linear':
    case 'cosine':
      finiteNonNeg(s.from, `${field}.from`);
      finiteNonNeg(s.to, `${field}.to`);
      if (s.startStep !== undefined) stepNumber(s.startStep, `${field}.startStep`);
      stepNumber(s.endStep, `${field}.endStep`);
      if (typeof s.startStep === 'number' && typeof s.endStep === 'number' && s.endStep < s.startStep) {
        problems.push(`${field}.endStep: must be >= startStep`);
      }
      break;
    case 'piecewise': {
      if (!Array.isArray(s.points) || s.points.length === 0) {
        problems.push(`${field}.points: must be a non-empty list`);
        break;
      }
      let prev = 0;
      s.points.forEach((p: { step?: unknown; value?: unknown } | null, i: number) => {
        stepNumber(p?.step, `${field}.points[${i}].step`);
        finiteNonNeg(p?.value, `${field}.points[${i}].value`);
        if (typeof p?.step === 'number') {
          if (p.step <= prev) problems.push(`${field}.points[${i}].step: steps must increase`);
          prev = p.step;
        }
      });
      if (s.interpolation !== undefined && s.interpolation !== 'hold' && s.interpolation !== 'linear') {
        problems.push(`${field}.interpolation: must be one of hold, linear`);
      }
      break;
    }
    default:
      problems.push(`${field}.kind: must be one of ${TARGET_SCHEDULE_KINDS.join(', ')}`);
  }
  return problems;
}
