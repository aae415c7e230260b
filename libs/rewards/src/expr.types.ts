import type { Rational } from './rational.js';

/** Relations, normalised to these spellings by the tokenizer. */
export type RelOp = '=' | '<' | '<=' | '>' | '>=' | '!=';

/** Delimiters of a bracketed group, kept because `(1,2]` and `(1,2)` differ. */
export type Delim = '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '';

/**
 * Parsed answer syntax. Arithmetic nodes (`num`, `sym`, `add`, …) are expressions; `group`,
 * `list`, `rel`, `matrix`, `setop` and `text` are structure the comparer interprets.
 */
export type Node =
  // decimals: digits after the point as written; sig: significant digits as written (`0.3330` has 4)
  | { t: 'num'; v: Rational; decimals: number; sig?: number }
  | { t: 'sym'; name: string }
  | { t: 'const'; name: 'pi' | 'e' | 'inf' }
  | { t: 'add'; a: Node; b: Node }
  | { t: 'sub'; a: Node; b: Node }
  | { t: 'pm'; a: Node | null; b: Node } // a ± b (a null: unary ±)
  | { t: 'mul'; a: Node; b: Node; call?: true } // call: a variable written before `(…)`, `f(x)`
  | { t: 'div'; a: Node; b: Node }
  | { t: 'neg'; a: Node }
  | { t: 'pow'; a: Node; b: Node }
  | { t: 'fn'; name: string; args: Node[] }
  | { t: 'group'; open: Delim; close: Delim; items: Node[] } // (…), […], \{…\}, ⟨…⟩ with 1+ items
  | { t: 'list'; items: Node[] } // bare comma / "and" / "or" list
  | { t: 'rel'; parts: Node[]; ops: RelOp[] }
  | { t: 'setop'; op: 'cup' | 'cap' | 'setminus'; a: Node; b: Node }
  | { t: 'matrix'; rows: Node[][] }
  | { t: 'ratio'; items: Node[] } // a : b (: c)
  | { t: 'text'; s: string };

/** Tokens of answer text, as the tokenizer emits them and the parser reads them. */
export type Tok =
  | { k: 'num'; s: string }
  | { k: 'id'; s: string } // single-letter or Greek variable
  | { k: 'fn'; s: string } // sin, log, sqrt, …
  | { k: 'cmd'; s: string } // other LaTeX commands the parser knows (frac, pi, infty, cup, begin, …)
  | { k: 'word'; s: string } // a run of letters that is not a function: text
  | { k: 'op'; s: string } // + - * / ^ _ ! ' , ; = < > <= >= != | & \\ ( ) [ ] { } \{ \} \langle \rangle
  | { k: 'env'; s: string }; // \begin{X} / \end{X} become env 'begin:X' / 'end:X'
