import type { Budget } from './budget.js';

export type Tok =
  | { k: 'num'; s: string }
  | { k: 'id'; s: string } // single-letter or Greek variable
  | { k: 'fn'; s: string } // sin, log, sqrt, …
  | { k: 'cmd'; s: string } // other LaTeX commands the parser knows (frac, pi, infty, cup, begin, …)
  | { k: 'word'; s: string } // a run of letters that is not a function: text
  | { k: 'op'; s: string } // + - * / ^ _ ! ' , ; = < > <= >= != | & \\ ( ) [ ] { } \{ \} \langle \rangle
  | { k: 'env'; s: string }; // \begin{X} / \end{X} become env 'begin:X' / 'end:X'

export class TokenizeError extends Error {}

const GREEK = new Set([
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'varepsilon',
  'zeta',
  'eta',
  'theta',
  'vartheta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'varphi',
  'chi',
  'psi',
  'omega',
  'Gamma',
  'Delta',
  'Theta',
  'Lambda',
  'Xi',
  'Sigma',
  'Phi',
  'Psi',
  'Omega',
]);

export const FUNCTIONS = new Set([
  'sin',
  'cos',
  'tan',
  'sec',
  'csc',
  'cot',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'log',
  'ln',
  'lg',
  'exp',
  'sqrt',
  'abs',
  'floor',
  'ceil',
  'gcd',
  'lcm',
  'max',
  'min',
]);

const KNOWN_CMDS = new Set([
  'frac',
  'sqrt',
  'pi',
  'infty',
  'cdot',
  'times',
  'div',
  'pm',
  'mp',
  'cup',
  'cap',
  'setminus',
  'binom',
  'leq',
  'geq',
  'neq',
  'lt',
  'gt',
  'le',
  'ge',
  'ne',
  'approx',
  'equiv',
  'in',
  'lfloor',
  'rfloor',
  'lceil',
  'rceil',
  'langle',
  'rangle',
  'emptyset',
  'varnothing',
  'ast',
  'vert',
  'mid',
  'land',
  'lor',
  'wedge',
  'vee',
  'to',
  'rightarrow',
  'implies',
  'Rightarrow',
  'cdots',
  'ldots',
  'dots',
  'colon',
  'neg',
  'lvert',
  'rvert',
]);

/** Commands dropped as pure typography (their braced argument, if any, is kept). */
const DROP_CMDS = new Set([
  'left',
  'right',
  'big',
  'Big',
  'bigg',
  'Bigg',
  'bigl',
  'bigr',
  'Bigl',
  'Bigr',
  'displaystyle',
  'textstyle',
  'mathrm',
  'mathbf',
  'mathit',
  'boldsymbol',
  'bf',
  'rm',
  'it',
  'mathsf',
  'mathtt',
  'text',
  'textbf',
  'textit',
  'textrm',
  'textnormal',
  'mbox',
  'operatorname',
  'hbox',
  'mathbb',
  'mathcal',
  'boxed',
  'fbox',
  'quad',
  'qquad',
  'limits',
  'nolimits',
  'hline',
  'phantom',
]);

const RELS: Record<string, string> = {
  leq: '<=',
  le: '<=',
  geq: '>=',
  ge: '>=',
  neq: '!=',
  ne: '!=',
  lt: '<',
  gt: '>',
  approx: '~=',
  equiv: '=',
  leqslant: '<=',
  geqslant: '>=',
};

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Splits normalised answer text into tokens. Throws TokenizeError on anything it cannot read. */
export function tokenize(src: string, budget: Budget): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    budget.check();
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '~') {
      i++;
      continue;
    }
    if (isDigit(c) || (c === '.' && i + 1 < n && isDigit(src[i + 1]!))) {
      let j = i;
      while (j < n && isDigit(src[j]!)) j++;
      if (src[j] === '.' && j + 1 < n && isDigit(src[j + 1]!)) {
        j++;
        while (j < n && isDigit(src[j]!)) j++;
      } else if (src[j] === '.' && !(j + 1 < n && src[j + 1] === '.')) {
        j++; // "5." is 5
      }
      out.push({ k: 'num', s: src.slice(i, j) });
      i = j;
      continue;
    }
    if (isLetter(c)) {
      let j = i;
      while (j < n && isLetter(src[j]!)) j++;
      const w = src.slice(i, j);
      // `W(x)=1orW(x)=-1`, `x=2andy=3`: a conjunction glued between a value and the next item
      const glued = /^(or|and)([a-zA-Z]{1,3})$/.exec(w);
      if (glued && i > 0 && (isDigit(src[i - 1]!) || src[i - 1] === ')')) {
        out.push({ k: 'op', s: ',' });
        pushWord(glued[2]!, out);
      } else pushWord(w, out);
      i = j;
      continue;
    }
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw new TokenizeError('dangling backslash');
      if (!isLetter(d)) {
        i += 2;
        if (d === '{' || d === '}') out.push({ k: 'op', s: '\\' + d });
        else if (d === '\\') out.push({ k: 'op', s: '\\\\' });
        else if (d === '%') out.push({ k: 'word', s: '%' });
        else if (d === '$') continue;
        else if (d === ',' || d === '!' || d === ';' || d === ':' || d === ' ') continue;
        else if (d === '|') out.push({ k: 'op', s: '|' });
        else throw new TokenizeError(`unknown escape \\${d}`);
        continue;
      }
      let j = i + 1;
      while (j < n && isLetter(src[j]!)) j++;
      const name = src.slice(i + 1, j);
      i = j;
      if (name === 'begin' || name === 'end') {
        while (i < n && src[i] === ' ') i++;
        const m = /^\{([a-zA-Z*]+)\}/.exec(src.slice(i, i + 40));
        if (!m) throw new TokenizeError('bad environment');
        i += m[0].length;
        out.push({ k: 'env', s: `${name}:${m[1]!.replace('*', '')}` });
        if (name === 'begin' && m[1] === 'array') {
          // skip the column spec {cc|c}
          while (i < n && src[i] === ' ') i++;
          if (src[i] === '{') {
            const close = src.indexOf('}', i);
            if (close < 0) throw new TokenizeError('bad array spec');
            i = close + 1;
          }
        }
        continue;
      }
      if (name === 'dfrac' || name === 'tfrac' || name === 'cfrac') {
        out.push({ k: 'cmd', s: 'frac' });
        continue;
      }
      if (RELS[name]) {
        out.push({ k: 'op', s: RELS[name] });
        continue;
      }
      if (GREEK.has(name)) {
        out.push({ k: 'id', s: name });
        continue;
      }
      if (FUNCTIONS.has(name) && name !== 'sqrt') {
        out.push({ k: 'fn', s: name });
        continue;
      }
      if (name === 'arcsec' || name === 'arccsc' || name === 'arccot' || name === 'coth' || name === 'det') {
        out.push({ k: 'fn', s: name });
        continue;
      }
      if (name === 'colon' || name === 'ratio') {
        out.push({ k: 'op', s: ':' });
        continue;
      }
      if (KNOWN_CMDS.has(name)) {
        out.push({ k: 'cmd', s: name });
        continue;
      }
      if (DROP_CMDS.has(name)) continue;
      // An unknown command is read as a named symbol (`\\zzz`), never expanded.
      if (name.length > 24) throw new TokenizeError('unknown long command');
      out.push({ k: 'id', s: `\\${name}` });
      continue;
    }
    if (c === '<' || c === '>' || c === '!' || c === '=') {
      const two = src.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '!=' || two === '==') {
        out.push({ k: 'op', s: two === '==' ? '=' : two });
        i += 2;
        continue;
      }
      if (two === '=<' || two === '=>') {
        out.push({ k: 'op', s: two === '=<' ? '<=' : '>=' });
        i += 2;
        continue;
      }
      out.push({ k: 'op', s: c });
      i++;
      continue;
    }
    if (c === '*' && src[i + 1] === '*') {
      out.push({ k: 'op', s: '^' });
      i += 2;
      continue;
    }
    if ("+-*/^_',;:|&()[]{}".includes(c)) {
      out.push({ k: 'op', s: c });
      i++;
      continue;
    }
    const u = UNICODE[c];
    if (u) {
      out.push(u);
      i++;
      continue;
    }
    throw new TokenizeError(`unexpected character ${c}`);
  }
  return out;
}

const UNICODE: Record<string, Tok> = {
  '≤': { k: 'op', s: '<=' },
  '≥': { k: 'op', s: '>=' },
  '≠': { k: 'op', s: '!=' },
  '≈': { k: 'op', s: '~=' },
  '−': { k: 'op', s: '-' },
  '–': { k: 'op', s: '-' },
  '×': { k: 'cmd', s: 'times' },
  '·': { k: 'cmd', s: 'cdot' },
  '÷': { k: 'cmd', s: 'div' },
  '±': { k: 'cmd', s: 'pm' },
  π: { k: 'cmd', s: 'pi' },
  '∞': { k: 'cmd', s: 'infty' },
  '√': { k: 'cmd', s: 'sqrt' },
  '∪': { k: 'cmd', s: 'cup' },
  '∩': { k: 'cmd', s: 'cap' },
  '∈': { k: 'cmd', s: 'in' },
  '⟨': { k: 'cmd', s: 'langle' },
  '⟩': { k: 'cmd', s: 'rangle' },
  '∅': { k: 'cmd', s: 'emptyset' },
};

const WORD_CMDS: Record<string, Tok> = {
  pi: { k: 'cmd', s: 'pi' },
  infty: { k: 'cmd', s: 'infty' },
  inf: { k: 'cmd', s: 'infty' },
  infinity: { k: 'cmd', s: 'infty' },
  sqrt: { k: 'cmd', s: 'sqrt' },
  and: { k: 'op', s: ',' },
  or: { k: 'op', s: ',' },
  cup: { k: 'cmd', s: 'cup' },
  U: { k: 'cmd', s: 'cup' },
};

/** Short runs that are English words, not products of variables. */
const SHORT_WORDS = new Set([
  'yes',
  'no',
  'odd',
  'not',
  'all',
  'the',
  'is',
  'are',
  'nor',
  'one',
  'two',
  'six',
  'ten',
  'non',
]);

/** A lower-case run of letters the tokenizer reads as text, not as a product of variables. */
export function readsAsWord(w: string): boolean {
  return !FUNCTIONS.has(w) && !Object.hasOwn(WORD_CMDS, w) && (w.length > 3 || SHORT_WORDS.has(w));
}

/**
 * A run of letters: a function name, a known word (`pi`, `and`), single letters, or a text word.
 * Runs like `xy` are products of single-letter variables; longer unknown runs are text.
 */
function pushWord(w: string, out: Tok[]): void {
  if (FUNCTIONS.has(w)) {
    out.push(w === 'sqrt' ? { k: 'cmd', s: 'sqrt' } : { k: 'fn', s: w });
    return;
  }
  const known = WORD_CMDS[w];
  if (known) {
    out.push(known);
    return;
  }
  // `xy`, `abc`: implicit products of variables; longer runs are words. A capital run (`NO`, `AB`)
  // names points (`\frac{NO}{BO}`), even when it spells a short word.
  if (w.length <= 3 && (!SHORT_WORDS.has(w.toLowerCase()) || /^[A-Z]+$/.test(w))) {
    for (const ch of w) out.push({ k: 'id', s: ch });
    return;
  }
  out.push({ k: 'word', s: w });
}
