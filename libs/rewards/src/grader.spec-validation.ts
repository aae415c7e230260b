import type { GraderSpec } from './grader.types.js';
import { regexProblem } from './regex.grader.js';

export const GRADER_KINDS = ['math', 'exact', 'numeric', 'regex', 'format', 'weighted'] as const;

const MAX_PATTERN_CHARS = 500;
const MAX_NESTING = 4;

/** Problems with a grader spec (empty when valid). Never throws. */
export function validateGraderSpec(spec: unknown): string[] {
  const problems: string[] = [];
  check(spec, '', 0, problems);
  return problems;
}

function check(spec: unknown, at: string, depth: number, problems: string[]): void {
  const where = at || 'grader';
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    problems.push(`${where}: must be an object with a "kind"`);
    return;
  }
  const s = spec as Record<string, unknown>;
  const kind = s['kind'];
  if (typeof kind !== 'string' || !(GRADER_KINDS as readonly string[]).includes(kind)) {
    problems.push(`${where}.kind: must be one of ${GRADER_KINDS.join(', ')}`);
    return;
  }
  const allowed: Record<string, string[]> = {
    math: ['fallback'],
    exact: ['caseSensitive'],
    numeric: ['relTol', 'absTol'],
    regex: ['pattern'],
    format: [],
    weighted: ['parts'],
  };
  for (const key of Object.keys(s)) {
    if (key !== 'kind' && !allowed[kind]!.includes(key))
      problems.push(`${where}.${key}: unknown field for ${kind}`);
  }
  switch (kind as GraderSpec['kind']) {
    case 'math':
      if (s['fallback'] !== undefined && s['fallback'] !== 'last_number' && s['fallback'] !== 'none')
        problems.push(`${where}.fallback: must be "last_number" or "none"`);
      break;
    case 'exact':
      if (s['caseSensitive'] !== undefined && typeof s['caseSensitive'] !== 'boolean')
        problems.push(`${where}.caseSensitive: must be a boolean`);
      break;
    case 'numeric':
      for (const key of ['relTol', 'absTol']) {
        const v = s[key];
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1e9))
          problems.push(`${where}.${key}: must be a finite number >= 0`);
      }
      break;
    case 'regex': {
      const p = s['pattern'];
      if (typeof p !== 'string' || p === '') problems.push(`${where}.pattern: must be a non-empty string`);
      else if (p.length > MAX_PATTERN_CHARS)
        problems.push(`${where}.pattern: longer than ${MAX_PATTERN_CHARS}`);
      else {
        const problem = regexProblem(p);
        if (problem) problems.push(`${where}.pattern: ${problem}`);
      }
      break;
    }
    case 'format':
      break;
    case 'weighted': {
      const parts = s['parts'];
      if (depth >= MAX_NESTING) {
        problems.push(`${where}: weighted graders nested deeper than ${MAX_NESTING}`);
        break;
      }
      if (!Array.isArray(parts) || parts.length === 0 || parts.length > 16) {
        problems.push(`${where}.parts: must be an array of 1 to 16 parts`);
        break;
      }
      let total = 0;
      parts.forEach((part: unknown, i) => {
        const pat = `${where}.parts[${i}]`;
        if (typeof part !== 'object' || part === null) {
          problems.push(`${pat}: must be {weight, grader}`);
          return;
        }
        const w = (part as Record<string, unknown>)['weight'];
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
          problems.push(`${pat}.weight: must be >= 0`);
        else total += w;
        check((part as Record<string, unknown>)['grader'], `${pat}.grader`, depth + 1, problems);
      });
      if (total <= 0) problems.push(`${where}.parts: weights must sum to more than 0`);
      break;
    }
  }
}
