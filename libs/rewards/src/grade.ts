import { Budget, BudgetExceeded } from './budget.js';
import { extractAnswer, findBoxed } from './extract.answer.js';
import type { GradeResult, GraderSpec } from './grader.types.js';
import { validateGraderSpec } from './grader.spec-validation.js';
import { LIMITS } from './limits.js';
import { gradeMath, parseNumericValue } from './math.grader.js';
import { gradeRegex } from './regex.grader.js';

const DEFAULT_SPEC: GraderSpec = { kind: 'math' };

/**
 * Scores a model output against a gold answer. Returns null when the gold answer itself cannot be
 * parsed (the example should be skipped, not scored 0). Never throws and stays within a time budget.
 */
export function grade(pred: string, gold: string, spec: GraderSpec = DEFAULT_SPEC): GradeResult | null {
  try {
    if (typeof pred !== 'string') pred = pred == null ? '' : String(pred);
    if (typeof gold !== 'string') return null;
    const problems = validateGraderSpec(spec);
    if (problems.length > 0) return { score: 0, reason: 'invalid_spec' };
    return gradeWith(pred, gold, spec, new Budget());
  } catch (err) {
    return { score: 0, reason: err instanceof BudgetExceeded ? 'timeout' : 'error' };
  }
}

function gradeWith(pred: string, gold: string, spec: GraderSpec, budget: Budget): GradeResult | null {
  switch (spec.kind) {
    case 'math':
      return gradeMath(pred, gold, budget, {
        fallback: (spec as { fallback?: 'last_number' | 'none' }).fallback,
      });
    case 'exact':
      return gradeExact(pred, gold, spec.caseSensitive ?? false);
    case 'numeric':
      return gradeNumeric(pred, gold, spec.relTol ?? 1e-6, spec.absTol ?? 0, budget);
    case 'regex':
      return gradeRegex(pred, gold, spec.pattern);
    case 'format':
      return gradeFormat(pred);
    case 'weighted':
      return gradeWeighted(pred, gold, spec.parts, budget);
  }
}

function squash(s: string, caseSensitive: boolean): string {
  const t = s.trim().replace(/\s+/g, ' ');
  return caseSensitive ? t : t.toLowerCase();
}

function gradeExact(pred: string, gold: string, caseSensitive: boolean): GradeResult | null {
  if (gold.trim() === '' || gold.length > LIMITS.goldChars) return null;
  const ex = extractAnswer(pred, { fallback: 'none' });
  const candidate = ex && ex.source !== 'whole' ? ex.texts[ex.texts.length - 1]! : pred;
  const ok = squash(candidate, caseSensitive) === squash(gold, caseSensitive);
  return { score: ok ? 1 : 0, reason: ok ? 'equal' : 'not_equal' };
}

function gradeNumeric(
  pred: string,
  gold: string,
  relTol: number,
  absTol: number,
  budget: Budget,
): GradeResult | null {
  const g = parseNumericValue(gold, budget);
  if (g === null) return null;
  const ex = extractAnswer(pred);
  if (!ex) return { score: 0, reason: 'no_answer' };
  const p = parseNumericValue(ex.texts[ex.texts.length - 1]!, budget);
  if (p === null) return { score: 0, reason: 'not_numeric' };
  const ok = Math.abs(p - g) <= Math.max(absTol, relTol * Math.abs(g)) || p === g;
  return { score: ok ? 1 : 0, reason: ok ? 'within_tolerance' : 'outside_tolerance' };
}

/**
 * Reasoning format: one `<think>…</think>` block first, then a boxed answer after it. Binary, as
 * in the R1-style format rewards; the reason names what is missing.
 */
function gradeFormat(pred: string): GradeResult {
  const open = pred.indexOf('<think>');
  const close = pred.indexOf('</think>');
  const thinkOk =
    open >= 0 &&
    close > open &&
    pred.indexOf('<think>', open + 1) < 0 &&
    pred.indexOf('</think>', close + 1) < 0 &&
    pred.slice(0, open).trim() === '';
  const after = close >= 0 ? pred.slice(close + 8) : pred;
  const boxedOk = findBoxed(after).some((b) => b.trim() !== '');
  if (thinkOk && boxedOk) return { score: 1, reason: 'format_ok' };
  return {
    score: 0,
    reason: !thinkOk && !boxedOk ? 'missing_think_and_boxed' : !thinkOk ? 'missing_think' : 'missing_boxed',
  };
}

function gradeWeighted(
  pred: string,
  gold: string,
  parts: { weight: number; grader: GraderSpec }[],
  budget: Budget,
): GradeResult | null {
  let total = 0;
  let sum = 0;
  const reasons: string[] = [];
  for (const part of parts) {
    const r = gradeWith(pred, gold, part.grader, budget);
    if (r === null) return null;
    total += part.weight;
    sum += part.weight * r.score;
    reasons.push(`${part.grader.kind}:${r.reason}`);
  }
  return { score: total > 0 ? Math.min(1, Math.max(0, sum / total)) : 0, reason: reasons.join(',') };
}
