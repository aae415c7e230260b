import type { Budget } from './budget.js';
import {
  findBoxedAt,
  findLastNumberAt,
  findPhraseAnswer,
  findPhraseAnswerAt,
  plainSeparators,
  undoubleEscapes,
  type ExtractOptions,
} from './extract.answer.js';
import type { Node } from './expr.types.js';
import type { GradeResult } from './grader.types.js';
import { LIMITS } from './limits.js';
import { nodesEqual, parseAnswerText, preparedEqual } from './math.compare.js';
import { numericValue } from './expr.evaluate.js';
import { readsAsWord } from './expr.vocabulary.js';
import { prepareAnswer, type PreparedAnswer } from './normalize.answer.js';

/** An output (or gold) this short on one line may be the answer itself. */
const SHORT_ANSWER_CHARS = 120;
/** Math regions tried from the end before giving up on them (each try parses one region). */
const MAX_REGIONS_TRIED = 8;
const CHOICE_RE = /^\(?\s*([A-Ea-e])\s*\)?$/;
const PLAIN_NUMBER = /^\s*(-?)0*(\d+)(?:\.(\d*?)0*)?\s*$/;

/** A word after a box that takes it back or moves on (`no`, `wrong`, `then`): no list of boxes. */
const NOT_A_NAME = String.raw`(?!(?:no|not|wrong|incorrect|rather|actually|instead|wait|sorry|oops|so|then|thus|hence|but)\b)`;

/** Space or math delimiters around the words between two boxes (`\boxed{2}$ cm and $\boxed{3}`). */
const SPACE = String.raw`(?:[\s$]|\\[()])*`;

/**
 * Text that only separates answers: punctuation (commas, semicolons, dashes, `++`), math
 * delimiters, spaces, "and"/"or", with no letter, digit or relation; or a word or two naming the
 * box before it, then "and"/"or"/a comma (`\boxed{1} papers and \boxed{2} bins`), none of them a
 * correction (`\boxed{1} no, \boxed{2}` and `\boxed{5} is wrong and \boxed{6}` are not lists).
 */
const BOX_SEPARATOR = new RegExp(
  String.raw`^(?:(?:[^A-Za-z\d=<>\\]|\\[()[\],;! ]|\\q?quad\b|\\text\{\s*(?:and|or)\s*\}|\band\b|\bor\b)*|${SPACE}${NOT_A_NAME}[A-Za-z]+(?:\s+${NOT_A_NAME}[A-Za-z]+)?${SPACE}(?:,${SPACE}(?:and\b|or\b)?|\band\b|\bor\b)${SPACE})$`,
  'i',
);

/**
 * The gold answer: a full solution is worth its boxed answer. Boxes written one after another with
 * only separators between them (`\boxed{1}, \boxed{2}`, `\boxed{1} and \boxed{2}`,
 * `\boxed{1} papers and \boxed{2} bins`; see BOX_SEPARATOR) are one answer listing them; otherwise
 * the last box is the final answer and earlier boxes are parts of the solution
 * (`(a) \boxed{3} (b) \boxed{5}` is worth 5). The same box twice counts once.
 */
function goldTexts(gold: string): string[] {
  const boxes = findBoxedAt(gold).filter((b) => b.text.trim() !== '');
  if (boxes.length === 0) {
    // a full solution without a box: its answer line ("Final Answer: The final answer is $28\%$")
    const phrase = gold.length > SHORT_ANSWER_CHARS || gold.includes('\n') ? findPhraseAnswer(gold) : null;
    return [phrase ?? gold];
  }
  let first = boxes.length - 1;
  while (first > 0 && BOX_SEPARATOR.test(gold.slice(boxes[first - 1]!.end, boxes[first]!.start))) first--;
  const run = [...new Set(boxes.slice(first).map((b) => b.text.trim()))];
  return [run.join(', ')];
}

/** The gold answer for the numeric grader: its last box, or the whole string. */
function goldText(gold: string): string {
  return goldTexts(gold)[0]!;
}

interface Region {
  text: string;
  at: number;
  end: number;
}

/** Math regions of a text in order: `$…$`, `$$…$$`, `\(…\)`, `\[…\]`. */
function mathRegions(text: string): Region[] {
  const out: Region[] = [];
  // an escaped dollar (`\$5`) is a currency sign, never a delimiter, inside or outside math
  const re =
    /(?<!\\)\$\$([^$]{1,2000})\$\$|(?<!\\)\$((?:[^$\\\n]|\\[^\n]){1,1000})\$|\\\(([\s\S]{1,1000}?)\\\)|\\\[([\s\S]{1,2000}?)\\\]/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push({ text: m[1] ?? m[2] ?? m[3] ?? m[4] ?? '', at: m.index, end: m.index + m[0].length });
  return out;
}

/** The last number written outside every math region (prose such as "there are 12 ways"). */
function lastProseNumber(text: string, regions: Region[]): { text: string; at: number } | null {
  let prose = '';
  let from = 0;
  for (const r of regions) {
    prose += text.slice(from, r.at) + ' '.repeat(r.end - r.at);
    from = r.end;
  }
  return findLastNumberAt(prose + text.slice(from));
}

interface Gold {
  prep: PreparedAnswer;
  parsed: boolean;
  choice: string | null;
  multi: boolean;
}

type Verdict = { ok: boolean; parsed: boolean };

/** Operators with a bound variable that are never evaluated: `\sum`, `\prod`, `\int`, `\lim`. */
const BIG_OPERATOR = /\\(?:sum|prod|i{1,3}nt|oint|lim)(?![a-zA-Z])/;

/** The text after the last `=` outside every bracket (`\sum_{k=1}^{4} k = 10` gives `10`), or null. */
function afterLastTopLevelEquals(text: string): string | null {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') i++;
    else if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === '=' && depth === 0) last = i;
  }
  return last < 0 ? null : text.slice(last + 1);
}

/** Text without spaces, ellipses spelled one way: digits with their punctuation. */
function punctuated(text: string): string {
  return text.replace(/\\[lc]?dots|…/g, '...').replace(/\s+/g, '');
}

function judge(gold: Gold, predText: string, budget: Budget): Verdict {
  if (predText.length > LIMITS.answerChars) return { ok: false, parsed: false };
  const pp = prepareAnswer(predText);
  if (pp.text.trim() === '') return { ok: false, parsed: false };
  // a sum, product, integral or limit is no value unless the gold is one too: a computation
  // `\sum_{k=1}^{4} k = 10` is worth its result, anything else is unread (extraction moves on)
  if (BIG_OPERATOR.test(pp.text) && !BIG_OPERATOR.test(gold.prep.text)) {
    const result = afterLastTopLevelEquals(pp.text);
    if (result === null || BIG_OPERATOR.test(result)) return { ok: false, parsed: false };
    return judge(gold, result, budget);
  }
  if (pp.text.replace(/\s+/g, '') === gold.prep.text.replace(/\s+/g, '') && gold.prep.percent === pp.percent)
    return { ok: true, parsed: true };
  // the same word on each side (`NO` vs `no`): a capital run parses as point names, but a whole
  // answer that spells a word is that word, compared without case (`xy` vs `YX` stays algebra)
  const gw = gold.prep.text.trim().toLowerCase();
  if (/^[a-z]+$/.test(gw) && readsAsWord(gw) && pp.text.trim().toLowerCase() === gw)
    return { ok: true, parsed: true };
  if (gold.choice) {
    // `(B) because …`, or a capital letter opening the answer as its label: `A. Because …`, `C: …`
    const m =
      CHOICE_RE.exec(pp.text.trim()) ??
      /^\(?([A-Ea-e])\)[\s.:]/.exec(pp.text.trim()) ??
      /^([A-E])[.:]\s/.exec(pp.text.trim());
    if (m) return { ok: m[1]!.toUpperCase() === gold.choice, parsed: true };
  }
  if (!gold.parsed) {
    // a gold that is not mathematics is compared as text: on its letters and digits when it has
    // letters; digits alone only with the same punctuation (`1, 2, 3, \ldots` is not `123`)
    const sameKey = pp.key !== '' && pp.key === gold.prep.key;
    const ok = sameKey && (/[a-z]/.test(pp.key) || punctuated(pp.text) === punctuated(gold.prep.text));
    return { ok, parsed: ok || /[a-z]/.test(pp.key) };
  }
  const r = preparedEqual(gold.prep, pp, budget);
  if (r === null) return { ok: false, parsed: false };
  // a parse of the prediction exists iff some reading parsed; preparedEqual returns false otherwise
  const parsed = [pp.text, ...pp.alts].some((t) => parseAnswerText(t, budget) !== null);
  return { ok: r, parsed };
}

/** Fast path for the common case: both sides plain decimal numbers (tiny-arith, GSM8K). */
function plainNumbersEqual(a: string, b: string): boolean | null {
  const x = PLAIN_NUMBER.exec(a);
  const y = PLAIN_NUMBER.exec(b);
  if (!x || !y) return null;
  const zero = (m: RegExpExecArray) => /^0*$/.test(m[2]! + (m[3] ?? ''));
  if (zero(x) && zero(y)) return true;
  return x[1] === y[1] && x[2] === y[2] && (x[3] ?? '') === (y[3] ?? '');
}

/**
 * Math-answer grader: extracts the prediction's final answer and judges it equivalent to the gold
 * answer (README "Equivalence policy"). Returns null when the gold answer cannot be read.
 */
export function gradeMath(
  pred: string,
  gold: string,
  budget: Budget,
  opts: ExtractOptions,
): GradeResult | null {
  if (gold.length > LIMITS.goldChars) return null;
  const tail = pred.length > LIMITS.predTailChars ? pred.slice(-LIMITS.predTailChars) : pred;
  const fast = plainNumbersEqual(tail, gold);
  if (fast !== null) return fast ? { score: 1, reason: 'equal' } : { score: 0, reason: 'not_equal' };
  const text = plainSeparators(undoubleEscapes(tail));
  let first: GradeResult | null = null;
  for (const gt of goldTexts(plainSeparators(undoubleEscapes(gold)))) {
    const g = readGold(gt, budget);
    if (g === null) continue;
    const r = gradeAgainst(text, g, budget, opts);
    if (r.score === 1) return r;
    first ??= r;
  }
  return first;
}

/** The gold answer parsed once; null when it can be read neither as math nor as text. */
function readGold(gt: string, budget: Budget): Gold | null {
  const prep = prepareAnswer(gt);
  if (prep.text.trim() === '') return null;
  const gNode =
    parseAnswerText(prep.text, budget) ??
    prep.alts.map((t) => parseAnswerText(t, budget)).find((n) => n) ??
    null;
  if (gNode === null && prep.key === '') return null;
  const choiceMatch = CHOICE_RE.exec(prep.text.trim());
  return {
    prep,
    parsed: gNode !== null,
    choice: choiceMatch ? choiceMatch[1]!.toUpperCase() : null,
    multi: gNode !== null && isMulti(gNode),
  };
}

/** Extraction by priority (README "Extraction"), then the verdict against one gold answer. */
function gradeAgainst(text: string, g: Gold, budget: Budget, opts: ExtractOptions): GradeResult {
  // 1. boxed answers: the prediction committed to these, unless an answer line follows them
  const boxes = findBoxedAt(text).filter((b) => b.text.trim() !== '');
  const phraseAt = findPhraseAnswerAt(text);
  const lastBoxEnd = boxes.length > 0 ? boxes[boxes.length - 1]!.end : -1;
  if (boxes.length > 0 && (phraseAt === null || phraseAt.at < lastBoxEnd)) {
    const boxed = boxes.map((b) => b.text);
    const cand = g.multi && boxed.length > 1 ? boxed.join(', ') : boxed[boxed.length - 1]!;
    return verdict(judge(g, cand, budget), 'boxed');
  }
  // 2. an answer phrase (after any box), or the math / first number inside it
  const phrase = phraseAt?.text ?? null;
  if (phrase !== null) {
    const v = judge(g, phrase, budget);
    if (v.parsed) return verdict(v, 'phrase');
    // "The largest $n$ is 34": the same position rule as for the whole text (step 4)
    const w = lastByPosition(g, phrase, budget);
    if (w) return verdict(w, 'phrase');
  }
  // 3. a short output is the answer itself
  const trimmed = text.trim();
  if (trimmed.length <= SHORT_ANSWER_CHARS && !trimmed.includes('\n')) {
    const v = judge(g, trimmed, budget);
    if (v.parsed) return verdict(v, 'whole');
  }
  if (opts.fallback === 'none') return { score: 0, reason: 'no_answer' };
  // 4-5. whichever comes last: a math region that parses, or a number in the prose
  const v = lastByPosition(g, text, budget);
  return v ? verdict(v, v.source) : { score: 0, reason: 'no_answer' };
}

/**
 * Whichever comes last in the text: a math region that parses, or a number in the prose outside
 * math ("there are 12 ways" after `$n = 4$`); then, with no prose number after any region, the
 * last region that parses. Null when the text has neither.
 */
function lastByPosition(g: Gold, text: string, budget: Budget): (Verdict & { source: string }) | null {
  const regions = mathRegions(text);
  const n = lastProseNumber(text, regions);
  const later = regions.filter((r) => n === null || r.at > n.at).reverse();
  for (const region of later.slice(0, MAX_REGIONS_TRIED)) {
    const v = judge(g, region.text, budget);
    if (v.parsed) return { ...v, source: 'last_math' };
  }
  if (n !== null) return { ...judge(g, n.text, budget), source: 'last_number' };
  for (const region of regions.reverse().slice(0, MAX_REGIONS_TRIED)) {
    const v = judge(g, region.text, budget);
    if (v.parsed) return { ...v, source: 'last_math' };
  }
  return null;
}

function isMulti(n: Node): boolean {
  return n.t === 'list' || (n.t === 'group' && n.open === '{');
}

function verdict(v: Verdict, source: string): GradeResult {
  return v.ok
    ? { score: 1, reason: `equal:${source}` }
    : { score: 0, reason: v.parsed ? `not_equal:${source}` : `unparsed:${source}` };
}

/** A number for the numeric grader: the value of a constant expression, or null. */
export function parseNumericValue(text: string, budget: Budget): number | null {
  const prep = prepareAnswer(goldText(text));
  const node = parseAnswerText(prep.text, budget);
  if (!node) return null;
  const v = numericValue(node, new Map(), budget);
  if (!Number.isFinite(v)) return null;
  return prep.percent ? v : v;
}

export { nodesEqual };
