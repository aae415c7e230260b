import type { FieldViolation } from '@aepo/contracts';

/** Collects field violations with small range helpers (undefined values are skipped: unset = default). */
export class Violations {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  /** Finite number in [min, max] (or open bounds when `exclusive`). */
  range(
    field: string,
    value: number | undefined,
    min: number,
    max: number,
    opts: { minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {},
  ): void {
    if (value === undefined) return;
    const lowOk = opts.minExclusive ? value > min : value >= min;
    const highOk = opts.maxExclusive ? value < max : value <= max;
    if (!Number.isFinite(value) || !lowOk || !highOk || (opts.integer && !Number.isInteger(value))) {
      const lo = opts.minExclusive ? `(${min}` : `[${min}`;
      const hi = opts.maxExclusive ? `${max})` : `${max}]`;
      this.add(field, `must be ${opts.integer ? 'an integer' : 'a number'} in ${lo}, ${hi}`);
    }
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const REQUEST_ID_RE = /^[A-Za-z0-9_-]{1,100}$/;
const LABEL_KEY_RE = /^[a-z][a-z0-9_-]{0,62}$/;

export function checkLabels(v: Violations, field: string, labels: Record<string, string>): void {
  const keys = Object.keys(labels);
  if (keys.length > 64) v.add(field, 'at most 64 labels');
  for (const key of keys) {
    if (!LABEL_KEY_RE.test(key)) v.add(`${field}[${key}]`, 'key must match [a-z][a-z0-9_-]{0,62}');
    else if ((labels[key] ?? '').length > 63)
      v.add(`${field}[${key}]`, 'value must be at most 63 characters');
  }
}

export function checkDisplayName(v: Violations, field: string, name: string, required = false): void {
  if (required && name.trim() === '') v.add(field, 'is required');
  if (name.length > 200) v.add(field, 'must be at most 200 characters');
}
