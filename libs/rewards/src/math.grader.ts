import type { Budget } from './budget.js';
import { extractAnswer, type ExtractOptions } from './extract.answer.js';
import type { GradeResult } from './grader.types.js';
import { LIMITS } from './limits.js';
import { mathEqual, normalizeSimple } from './math.equivalence.js';
import { Rational } from './rational.js';

export function gradeMath(
  pred: string,
  gold: string,
  budget: Budget,
  opts: ExtractOptions,
): GradeResult | null {
  if (gold.length > LIMITS.goldChars || normalizeSimple(gold) === '') return null;
  const ex = extractAnswer(pred, opts);
  if (!ex) return { score: 0, reason: 'no_answer' };
  const text = ex.texts[ex.texts.length - 1]!;
  if (text.length > LIMITS.answerChars) return { score: 0, reason: 'answer_too_long' };
  const ok = mathEqual(text, gold, budget);
  return { score: ok ? 1 : 0, reason: ok ? 'equal' : 'not_equal' };
}

export function parseNumericValue(text: string, _budget: Budget): number | null {
  const r = Rational.parseDecimal(normalizeSimple(text).replace(/,/g, ''));
  return r ? r.toNumber() : null;
}
