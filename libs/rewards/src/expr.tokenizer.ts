import type { Budget } from './budget.js';
import type { Tok } from './expr.types.js';
import {
  DROP_CMDS,
  FUNCTIONS,
  GREEK,
  KNOWN_CMDS,
  RELS,
  SHORT_WORDS,
  UNICODE,
  WORD_CMDS,
} from './expr.vocabulary.js';

export class TokenizeError extends Error {}

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
