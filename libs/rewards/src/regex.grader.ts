import { RE2JS } from 're2js';
import type { GradeResult } from './grader.types.js';
import { LIMITS } from './limits.js';

/** Stand-in for `{gold}` when a pattern is checked without a gold answer. */
const GOLD_PLACEHOLDER = 'x';

/**
 * Compiles a user pattern on RE2 (re2js: a linear-time automaton, no backtracking), `{gold}`
 * replaced by the gold answer matched literally. Throws RE2's syntax error for what RE2 does not
 * support (backreferences, lookaround) or for a broken pattern.
 */
function compile(pattern: string, gold: string): RE2JS {
  return RE2JS.compile(pattern.split('{gold}').join(RE2JS.quote(gold)));
}

/** Why a pattern cannot be used, or null when RE2 compiles it. */
export function regexProblem(pattern: string): string | null {
  try {
    compile(pattern, GOLD_PLACEHOLDER);
    return null;
  } catch (err) {
    return `not a valid RE2 regular expression (no backreferences or lookaround): ${(err as Error).message}`;
  }
}

/**
 * `{gold}` in the pattern stands for the gold answer, matched literally. Matching time is linear
 * in the searched text (its last `predTailChars` characters) whatever the pattern.
 */
export function gradeRegex(pred: string, gold: string, pattern: string): GradeResult {
  let re: RE2JS;
  try {
    re = compile(pattern, gold.trim());
  } catch {
    return { score: 0, reason: 'invalid_spec' };
  }
  const text = pred.length > LIMITS.predTailChars ? pred.slice(-LIMITS.predTailChars) : pred;
  const ok = re.matcher(text).find();
  return { score: ok ? 1 : 0, reason: ok ? 'matched' : 'no_match' };
}
