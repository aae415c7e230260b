import { LIMITS } from './limits.js';

/** Where an answer came from; also reported in grade reasons. */
export type AnswerSource = 'boxed' | 'phrase' | 'whole' | 'last_number';

export interface ExtractedAnswer {
  source: AnswerSource;
  /** The answer text (several when the output boxed several answers). */
  texts: string[];
}

const BOX_COMMANDS = ['\\boxed', '\\fbox'];

/**
 * Every `\boxed{…}` / `\fbox{…}` argument in order. Nested braces are matched; escaped braces
 * (`\{`, `\}`) do not count; an unterminated box takes the rest of the text.
 */
export function findBoxed(text: string): string[] {
  return findBoxedAt(text).map((b) => b.text);
}

/** A box's argument and the span of the whole `\boxed{…}` in the text. */
export interface BoxAt {
  text: string;
  start: number;
  end: number;
}

/** `findBoxed` with positions. */
export function findBoxedAt(text: string): BoxAt[] {
  const out: BoxAt[] = [];
  // next occurrence of each command, searched again only once passed (linear in the text)
  const next = BOX_COMMANDS.map((cmd) => text.indexOf(cmd));
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let cmdLen = 0;
    BOX_COMMANDS.forEach((cmd, c) => {
      if (next[c]! >= 0 && next[c]! < i) next[c] = text.indexOf(cmd, i);
      const j = next[c]!;
      if (j >= 0 && (best < 0 || j < best)) {
        best = j;
        cmdLen = cmd.length;
      }
    });
    if (best < 0) break;
    let k = best + cmdLen;
    // `\boxed` must not be a prefix of a longer command name.
    if (k < text.length && /[a-zA-Z]/.test(text[k]!)) {
      i = k;
      continue;
    }
    while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
    if (text[k] === '{') {
      const end = matchBrace(text, k);
      i = end < 0 ? text.length : end + 1;
      out.push({ text: text.slice(k + 1, end < 0 ? text.length : end), start: best, end: i });
    } else {
      // `\boxed 5`: one token up to whitespace or a math delimiter.
      let e = k;
      while (e < text.length && !/[\s$]/.test(text[e]!)) e++;
      if (e > k) out.push({ text: text.slice(k, e), start: best, end: e });
      i = Math.max(e, k + 1);
    }
  }
  return out;
}

/** Index of the `}` closing the `{` at `open`, or -1 when unterminated. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++; // skip the escaped character, so `\{` and `\}` do not count
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const PHRASES: RegExp[] = [
  /^[ \t]*#{4}[ \t]*/gm, // GSM8K: `#### 35` on its own line
  /final answer\s*(?:is|:)?\s*[:：]?/gi,
  /the answer is\s*[:：]?/gi,
  /\banswer\s*[:：]/gi,
];

/** Lines after a phrase that ends its own line (`**Final Answer**` then the answer below it). */
const NEXT_LINE_LOOKAHEAD = 2;

function cleanPhraseAnswer(line: string): string {
  return (
    line
      // the answer's sentence ends at a period followed by a new sentence ("… $28\%$. Note: …")
      .replace(/\.\s+(?=[A-Z])[\s\S]*$/, '')
      .replace(/I hope it is correct\.?/i, '')
      .replace(/\*\*/g, '')
      .trim()
      .replace(/^\\?["“](.*?)\\?["”]$/, '$1') // a quoted answer, quotes escaped or not (`\"$12$\"`)
      // A sentence-ending period (not a decimal point) closes the answer.
      .replace(/\.\s*$/, '')
      .trim()
  );
}

/**
 * Text after the last GSM8K `####`, "The final answer is" / "The answer is" / "Answer:", to the
 * end of its line; when the phrase ends its line (a `**Final Answer**` heading), the next
 * non-empty line.
 */
export function findPhraseAnswer(text: string): string | null {
  return findPhraseAnswerAt(text)?.text ?? null;
}

/** `findPhraseAnswer` with where its phrase ends in the text. */
export function findPhraseAnswerAt(text: string): { text: string; at: number } | null {
  for (const re of PHRASES) {
    re.lastIndex = 0;
    let last = -1;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      last = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (last < 0) continue;
    const lines = text.slice(last).split('\n', NEXT_LINE_LOOKAHEAD + 1);
    const first = cleanPhraseAnswer(lines[0]!);
    if (first) return { text: first, at: last };
    const next = lines
      .slice(1)
      .map(cleanPhraseAnswer)
      .find((l) => l !== '');
    if (next) return { text: next, at: last };
  }
  return null;
}

const NUMBER_RE =
  /(?<![A-Za-z\d.])(?:-?\d+ \d+\/\d+(?![\d./])|-?\d+(?:(?:,\d{3})+(?!\d)|,\d{1,2}(?!\d))?(?:\.\d+)?(?:\/\d+)?|-?\.\d+)/g;

/**
 * The last number in the text (`-12`, `3.5`, `1,000`, `2/3`, a mixed number `4 4/9` as one) and
 * where it starts, or null.
 */
export function findLastNumberAt(text: string): { text: string; at: number } | null {
  const re = new RegExp(NUMBER_RE);
  let last: { text: string; at: number } | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) last = { text: m[0], at: m.index };
  return last;
}

/** The last number in the text, or null. */
export function findLastNumber(text: string): string | null {
  return findLastNumberAt(text)?.text ?? null;
}

/**
 * LaTeX thousands separators in running text (`45,\!210`, `23{,}504`, spaced `14 {, }916`) as plain
 * commas, so the last-number scan reads them as one number.
 */
export function plainSeparators(text: string): string {
  return text.replace(/(\d)[ \t]?(?:\{[ \t]?,[ \t]?\}|,\\!)[ \t]*(?=\d)/g, '$1,');
}

/**
 * Undoes one level of backslash escaping when the whole text is double-escaped (LaTeX copied out
 * of a JSON or Python string: `\\frac{1}{2}`). Every run of backslashes before a command name
 * must be even; one odd run (a real `\frac`, or `\\` then `\end`) means the text is not.
 */
export function undoubleEscapes(text: string): string {
  if (!text.includes('\\\\')) return text;
  let sawEven = false;
  const runs = /\\+(?=[a-zA-Z])/g;
  for (let m = runs.exec(text); m; m = runs.exec(text)) {
    if (m[0].length % 2 === 1) return text;
    sawEven = true;
  }
  if (!sawEven) return text;
  return text.replace(/\\\\/g, '\\');
}

export interface ExtractOptions {
  /** What to use when no boxed answer or answer phrase is found; default `last_number`. */
  fallback?: 'last_number' | 'none';
}

/**
 * The answer a model output commits to, by priority: the last boxed answer (all of them, for
 * set-valued golds), an answer phrase, the whole output when it is short, then the last number.
 */
export function extractAnswer(pred: string, opts: ExtractOptions = {}): ExtractedAnswer | null {
  const text = pred.length > LIMITS.predTailChars ? pred.slice(-LIMITS.predTailChars) : pred;
  const boxed = findBoxed(text).filter((b) => b.trim() !== '');
  if (boxed.length > 0) return { source: 'boxed', texts: boxed };
  const phrase = findPhraseAnswer(text);
  if (phrase !== null) return { source: 'phrase', texts: [phrase] };
  const trimmed = text.trim();
  if (trimmed && trimmed.length <= 120 && !trimmed.includes('\n'))
    return { source: 'whole', texts: [trimmed] };
  if (opts.fallback === 'none') return null;
  const n = findLastNumber(text);
  return n === null ? null : { source: 'last_number', texts: [n] };
}
