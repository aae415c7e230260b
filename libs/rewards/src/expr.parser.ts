import type { Budget } from './budget.js';
import type { Delim, Node, RelOp } from './expr.types.js';
import { LIMITS } from './limits.js';
import { Rational } from './rational.js';
import type { Tok } from './expr.tokenizer.js';

export class ParseError extends Error {}

const REL_OPS = new Set(['=', '<', '<=', '>', '>=', '!=', '~=']);
/** Parser levels one bracket pair costs: list, sum, unary sign, primary (and a spare). */
const PARSER_LEVELS_PER_BRACKET = 5;
const PRIMARY_CMDS = new Set(['frac', 'sqrt', 'pi', 'binom', 'lfloor', 'lceil', 'infty']);

/**
 * Recursive-descent parser for answer syntax (LaTeX and plain). Precedence, loosest first:
 * list (`,` `;` and/or) < relation chain < ratio (`:`) < set operation (\cup) < sum < product (incl. implicit)
 * < unary sign < power < postfix (`!`, subscripts) < primary.
 */
export function parseTokens(tokens: Tok[], budget: Budget): Node {
  const p = new Parser(tokens, budget);
  const node = p.parseList();
  if (p.pos < tokens.length) throw new ParseError(`unexpected token ${tokens[p.pos]!.s}`);
  return node;
}

class Parser {
  pos = 0;
  private depth = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly budget: Budget,
  ) {}

  private peek(off = 0): Tok | undefined {
    return this.toks[this.pos + off];
  }
  private isOp(s: string, off = 0): boolean {
    const t = this.toks[this.pos + off];
    return t !== undefined && t.k === 'op' && t.s === s;
  }
  private isCmd(s: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.k === 'cmd' && t.s === s;
  }
  private expectOp(s: string): void {
    if (!this.isOp(s)) throw new ParseError(`expected ${s}`);
    this.pos++;
  }
  /**
   * One parser level. A bracket level passes through at most PARSER_LEVELS_PER_BRACKET of them, so
   * `maxDepth` brackets (plus the operators around them) always fit while the JS stack stays far from its limit.
   */
  private enter(): void {
    this.budget.check();
    if (++this.depth > LIMITS.maxDepth * PARSER_LEVELS_PER_BRACKET) throw new ParseError('nesting too deep');
  }

  parseList(): Node {
    this.enter();
    const items = [this.parseRel()];
    /** items.length at each `;` */
    const semis: number[] = [];
    while (this.isOp(',') || this.isOp(';')) {
      if (this.isOp(';')) semis.push(items.length);
      this.pos++;
      if (this.atListEnd()) break; // trailing comma
      items.push(this.parseRel());
    }
    this.depth--;
    if (items.length === 1) return items[0]!;
    return solutionsList(items, semis) ?? { t: 'list', items };
  }

  private atListEnd(): boolean {
    const t = this.peek();
    return (
      t === undefined ||
      (t.k === 'op' && [')', ']', '}', '\\}'].includes(t.s)) ||
      (t.k === 'cmd' && t.s === 'rangle')
    );
  }

  private parseRel(): Node {
    const parts = [this.parseRatio()];
    const ops: RelOp[] = [];
    for (;;) {
      const t = this.peek();
      if (t && t.k === 'op' && REL_OPS.has(t.s)) {
        this.pos++;
        ops.push(t.s as RelOp);
        parts.push(this.parseRatio());
      } else if (t && t.k === 'cmd' && t.s === 'in') {
        // `x \in [0, 1)`: the membership names the set; keep only the set.
        this.pos++;
        if (parts.length !== 1 || parts[0]!.t !== 'sym') throw new ParseError('\\in after a non-variable');
        parts[0] = this.parseRatio();
      } else break;
    }
    // `a = b \approx c`: the value is the one before the approximation
    const k = ops.indexOf('~=' as RelOp);
    if (k > 0) {
      parts.length = k + 1;
      ops.length = k;
    }
    for (let i = 0; i < ops.length; i++) if ((ops[i] as string) === '~=') ops[i] = '=';
    if (ops.length === 0) return parts[0]!;
    return { t: 'rel', parts, ops };
  }

  /** `a : b (: c)`, a ratio; binds looser than sums and tighter than relations. */
  private parseRatio(): Node {
    const first = this.parseSetOp();
    if (!this.isOp(':')) return first;
    const items = [first];
    while (this.isOp(':')) {
      this.pos++;
      items.push(this.parseSetOp());
    }
    return { t: 'ratio', items };
  }

  private parseSetOp(): Node {
    let a = this.parseAdd();
    for (;;) {
      const t = this.peek();
      if (t && t.k === 'cmd' && (t.s === 'cup' || t.s === 'cap' || t.s === 'setminus')) {
        this.pos++;
        a = { t: 'setop', op: t.s, a, b: this.parseAdd() };
      } else return a;
    }
  }

  private parseAdd(): Node {
    this.enter();
    let a = this.parseMul();
    for (;;) {
      if (this.isOp('+')) {
        this.pos++;
        a = { t: 'add', a, b: this.parseMul() };
      } else if (this.isOp('-')) {
        this.pos++;
        a = { t: 'sub', a, b: this.parseMul() };
      } else if (this.isCmd('pm') || this.isCmd('mp')) {
        this.pos++;
        a = { t: 'pm', a, b: this.parseMul() };
      } else break;
    }
    this.depth--;
    return a;
  }

  private startsImplicit(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.k === 'id' || t.k === 'fn') return true;
    if (t.k === 'cmd') return PRIMARY_CMDS.has(t.s);
    if (t.k === 'op') return t.s === '(' || t.s === '{';
    if (t.k === 'env') return t.s.startsWith('begin:'); // a matrix product AB
    if (t.k === 'num') throw new ParseError('two numbers in a row');
    return false;
  }

  private parseMul(): Node {
    let a = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (
        (t.k === 'op' && t.s === '*') ||
        (t.k === 'cmd' && (t.s === 'cdot' || t.s === 'times' || t.s === 'ast'))
      ) {
        this.pos++;
        a = { t: 'mul', a, b: this.parseUnary() };
      } else if ((t.k === 'op' && t.s === '/') || (t.k === 'cmd' && t.s === 'div')) {
        this.pos++;
        a = { t: 'div', a, b: this.parseUnary() };
      } else if (this.startsImplicit()) {
        // `f(x)` reads as a product, remembering it may be a function value (a label's dummy argument)
        const call = a.t === 'sym' && this.isOp('(');
        a = call ? { t: 'mul', a, b: this.parsePow(), call } : { t: 'mul', a, b: this.parsePow() };
      } else break;
    }
    return a;
  }

  private parseUnary(): Node {
    this.enter();
    let r: Node;
    if (this.isOp('-')) {
      this.pos++;
      r = { t: 'neg', a: this.parseUnary() };
    } else if (this.isOp('+')) {
      this.pos++;
      r = this.parseUnary();
    } else if (this.isCmd('pm') || this.isCmd('mp')) {
      this.pos++;
      r = { t: 'pm', a: null, b: this.parseUnary() };
    } else r = this.parsePow();
    this.depth--;
    return r;
  }

  private parsePow(): Node {
    const base = this.parsePostfix();
    if (!this.isOp('^')) return base;
    this.pos++;
    const exp = this.parseExponent();
    return { t: 'pow', a: base, b: exp };
  }

  /** `^{…}`, `^2`, `^-1`, `^x`; LaTeX `x^23` is `x^2·3`, so a bare exponent is one digit. */
  private parseExponent(): Node {
    this.enter();
    let r: Node;
    if (this.isOp('-')) {
      this.pos++;
      r = { t: 'neg', a: this.parseExponent() };
    } else if (this.isOp('+')) {
      this.pos++;
      r = this.parseExponent();
    } else {
      this.splitNumber();
      r = this.parsePostfix();
      if (this.isOp('^')) {
        this.pos++;
        r = { t: 'pow', a: r, b: this.parseExponent() };
      }
    }
    this.depth--;
    return r;
  }

  /** When the next token is a multi-digit number used as a one-character LaTeX argument, split it. */
  private splitNumber(): void {
    const t = this.peek();
    if (t && t.k === 'num' && t.s.length > 1 && t.s[0] !== '.') {
      this.toks.splice(this.pos, 1, { k: 'num', s: t.s[0]! }, { k: 'num', s: t.s.slice(1) });
    }
  }

  private parsePostfix(): Node {
    let a = this.parsePrimary();
    for (;;) {
      if (this.isOp('!')) {
        this.pos++;
        a = { t: 'fn', name: 'fact', args: [a] };
      } else if (this.isOp('_') && a.t === 'sym') {
        this.pos++;
        a = { t: 'sym', name: `${a.name}_${this.subscriptText()}` };
      } else if (this.isOp("'")) {
        this.pos++;
        if (a.t !== 'sym') throw new ParseError('prime on a non-symbol');
        a = { t: 'sym', name: `${a.name}'` };
      } else return a;
    }
  }

  private subscriptText(): string {
    const t = this.peek();
    if (!t) throw new ParseError('empty subscript');
    if (t.k === 'op' && t.s === '{') {
      let depth = 0;
      let s = '';
      for (;;) {
        const u = this.toks[this.pos++];
        if (!u) throw new ParseError('unterminated subscript');
        if (u.k === 'op' && u.s === '{') depth++;
        else if (u.k === 'op' && u.s === '}') {
          if (--depth === 0) return s;
        }
        if (depth > 0 && !(u.k === 'op' && u.s === '{' && depth === 1)) s += u.s;
      }
    }
    this.pos++;
    return t.k === 'num' ? t.s[0]! : t.s;
  }

  /** Argument of \frac, \sqrt, \binom: a braced group or one token (`\frac12`). */
  private parseArg(): Node {
    if (this.isOp('{')) {
      this.pos++;
      const n = this.parseList();
      this.expectOp('}');
      return n;
    }
    this.splitNumber();
    return this.parsePrimary();
  }

  private parseItemsUntil(closers: string[]): { items: Node[]; close: string } {
    const items: Node[] = [];
    const isClose = () => {
      const t = this.peek();
      return t !== undefined && (t.k === 'op' || t.k === 'cmd') && closers.includes(t.s);
    };
    if (!isClose()) {
      const n = this.parseList();
      if (n.t === 'list') items.push(...n.items);
      else items.push(n);
    }
    if (!isClose()) throw new ParseError(`expected one of ${closers.join(' ')}`);
    return { items, close: this.toks[this.pos++]!.s };
  }

  private parsePrimary(): Node {
    this.enter();
    const r = this.primary();
    this.depth--;
    return r;
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw new ParseError('unexpected end');
    this.pos++;
    switch (t.k) {
      case 'num': {
        const v = Rational.parseDecimal(t.s.endsWith('.') ? t.s.slice(0, -1) : t.s);
        if (!v) throw new ParseError('bad number');
        const dot = t.s.indexOf('.');
        const sig = t.s.replace('.', '').replace(/^0+/, '').length;
        const node: Node = { t: 'num', v, decimals: dot < 0 ? 0 : t.s.length - dot - 1, sig };
        return dot < 0 ? this.maybeMixedNumber(node) : node;
      }
      case 'id':
        return t.s === 'e' ? { t: 'const', name: 'e' } : { t: 'sym', name: t.s };
      case 'word':
        throw new ParseError('text in an expression');
      case 'env':
        if (t.s.startsWith('begin:') && /matrix$|^begin:array$/.test(t.s)) return this.matrix(t.s.slice(6));
        throw new ParseError(`unsupported environment ${t.s}`);
      case 'fn':
        return this.func(t.s);
      case 'cmd':
        return this.command(t.s);
      case 'op':
        return this.opPrimary(t.s);
    }
  }

  /** `2\frac{1}{2}` is the mixed number 2½ (integer followed by a fraction of integer literals). */
  private maybeMixedNumber(whole: Node & { t: 'num' }): Node {
    const tk = this.toks;
    const i = this.pos;
    const isInt = (k: number) => tk[k]?.k === 'num' && /^\d+$/.test(tk[k]!.s);
    if (!(tk[i]?.k === 'cmd' && tk[i]!.s === 'frac')) return whole;
    let j = i + 1;
    const arg = (): boolean => {
      if (
        tk[j]?.k === 'op' &&
        tk[j]!.s === '{' &&
        isInt(j + 1) &&
        tk[j + 2]?.k === 'op' &&
        tk[j + 2]!.s === '}'
      ) {
        j += 3;
        return true;
      }
      if (isInt(j) && tk[j]!.s.length === 1) {
        j += 1;
        return true;
      }
      return false;
    };
    if (!arg() || !arg()) return whole;
    const frac = this.parsePrimary(); // consumes the \frac
    return { t: 'add', a: whole, b: frac };
  }

  private func(name: string): Node {
    let power: Node | null = null;
    let base: Node | null = null;
    for (let k = 0; k < 2; k++) {
      if (this.isOp('^') && power === null) {
        this.pos++;
        power = this.parseExponent();
      } else if (this.isOp('_') && base === null) {
        this.pos++;
        base = this.isOp('{') ? this.parseArg() : (this.splitNumber(), this.parsePrimary());
      }
    }
    let args: Node[];
    if (this.isOp('(')) {
      this.pos++;
      args = this.parseItemsUntil([')']).items;
      if (args.length === 0) throw new ParseError('empty call');
    } else {
      // `\sin 2x` is sin(2x); the argument ends at the next function or operator.
      let a = this.parsePow();
      while (this.peek() && this.peek()!.k !== 'fn' && this.startsImplicit())
        a = { t: 'mul', a, b: this.parsePow() };
      args = [a];
    }
    let fname = name;
    if (
      power &&
      power.t === 'neg' &&
      power.a.t === 'num' &&
      power.a.v.equals(Rational.ONE) &&
      /^(sin|cos|tan)$/.test(name)
    ) {
      fname = `arc${name}`;
      power = null;
    }
    if (fname === 'lg') {
      fname = 'log';
      base = { t: 'num', v: Rational.int(10), decimals: 0 };
    }
    const call: Node = { t: 'fn', name: fname, args: base ? [...args, base] : args };
    return power ? { t: 'pow', a: call, b: power } : call;
  }

  private command(name: string): Node {
    switch (name) {
      case 'pi':
        return { t: 'const', name: 'pi' };
      case 'infty':
        return { t: 'const', name: 'inf' };
      case 'emptyset':
      case 'varnothing':
        return { t: 'group', open: '{', close: '}', items: [] };
      case 'frac': {
        const a = this.parseArg();
        const b = this.parseArg();
        return { t: 'div', a, b };
      }
      case 'binom': {
        const a = this.parseArg();
        const b = this.parseArg();
        return { t: 'fn', name: 'binom', args: [a, b] };
      }
      case 'sqrt': {
        if (this.isOp('[')) {
          this.pos++;
          const idx = this.parseList();
          this.expectOp(']');
          return {
            t: 'pow',
            a: this.parseArg(),
            b: { t: 'div', a: { t: 'num', v: Rational.ONE, decimals: 0 }, b: idx },
          };
        }
        return { t: 'fn', name: 'sqrt', args: [this.parseArg()] };
      }
      case 'lfloor':
      case 'lceil': {
        const inner = this.parseList();
        const close = name === 'lfloor' ? 'rfloor' : 'rceil';
        if (!this.isCmd(close)) throw new ParseError(`expected \\${close}`);
        this.pos++;
        return { t: 'fn', name: name === 'lfloor' ? 'floor' : 'ceil', args: [inner] };
      }
      case 'langle': {
        const { items } = this.parseItemsUntil(['rangle', '>']);
        return { t: 'group', open: '<', close: '>', items };
      }
      case 'vert':
      case 'lvert':
      case 'mid': {
        const inner = this.parseAdd();
        if (!(this.isCmd('vert') || this.isCmd('rvert') || this.isCmd('mid') || this.isOp('|')))
          throw new ParseError('unclosed |');
        this.pos++;
        return { t: 'fn', name: 'abs', args: [inner] };
      }
    }
    throw new ParseError(`\\${name} out of place`);
  }

  private opPrimary(s: string): Node {
    switch (s) {
      case '(':
      case '[': {
        const { items, close } = this.parseItemsUntil([')', ']']);
        if (items.length === 1 && s === '(' && close === ')') return items[0]!;
        if (items.length === 1 && s === '[' && close === ']') return items[0]!;
        return { t: 'group', open: s as Delim, close: close as Delim, items };
      }
      case '{': {
        // unescaped braces only group in LaTeX: `{1,3}` shows as the bare list 1, 3 (a set is `\{…\}`)
        const { items } = this.parseItemsUntil(['}']);
        return items.length === 1 ? items[0]! : { t: 'list', items };
      }
      case '\\{': {
        // set-builder `\{x : 1 \le x < 2\}` / `\{x \mid …\}`: the condition (an inequality is an interval)
        const bar = this.peek(1);
        if (
          this.peek()?.k === 'id' &&
          bar &&
          ((bar.k === 'op' && (bar.s === ':' || bar.s === '|')) || (bar.k === 'cmd' && bar.s === 'mid'))
        ) {
          this.pos += 2;
          const cond = this.parseList();
          this.expectOp('\\}');
          if (cond.t !== 'rel') throw new ParseError('set-builder condition is not a relation');
          return cond;
        }
        const { items } = this.parseItemsUntil(['\\}']);
        return { t: 'group', open: '{', close: '}', items };
      }
      case '|': {
        const inner = this.parseAdd();
        this.expectOp('|');
        return { t: 'fn', name: 'abs', args: [inner] };
      }
    }
    throw new ParseError(`unexpected ${s}`);
  }

  private matrix(env: string): Node {
    const rows: Node[][] = [];
    let row: Node[] = [];
    for (;;) {
      this.budget.check();
      const t = this.peek();
      if (!t) throw new ParseError('unterminated matrix');
      if (t.k === 'env' && t.s === `end:${env}`) {
        this.pos++;
        break;
      }
      if (t.k === 'op' && t.s === '\\\\') {
        this.pos++;
        if (row.length > 0) rows.push(row);
        row = [];
        continue;
      }
      if (t.k === 'op' && t.s === '&') {
        this.pos++;
        continue;
      }
      row.push(this.parseRel());
      if (!(this.isOp('&') || this.isOp('\\\\') || this.peek()?.k === 'env'))
        throw new ParseError('bad matrix cell');
    }
    if (row.length > 0) rows.push(row);
    if (rows.length === 0 || rows.some((r) => r.length !== rows[0]!.length))
      throw new ParseError('ragged matrix');
    return { t: 'matrix', rows };
  }
}

/** `p = 5` with a plain variable on the left. */
function isAssignment(n: Node): boolean {
  return n.t === 'rel' && n.parts.length === 2 && n.ops[0] === '=' && n.parts[0]!.t === 'sym';
}

/**
 * Solutions written as assignment lists separated by `;` (`p=5, q=2; p=7, q=2`): a list of
 * solutions, each the list of its assignments, so each compares with a tuple (`(5,2), (7,2)`).
 * Only when every `;` segment assigns two or more distinct variables; null otherwise (a plain
 * `1; 2` or `x = 1; x = 2` stays one flat list).
 */
function solutionsList(items: Node[], semis: number[]): Node | null {
  if (semis.length === 0) return null;
  const bounds = [0, ...semis, items.length];
  const segments: Node[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const seg = items.slice(bounds[k], bounds[k + 1]);
    if (seg.length < 2 || !seg.every(isAssignment)) return null;
    const names = seg.map((a) => ((a as Node & { t: 'rel' }).parts[0] as Node & { t: 'sym' }).name);
    if (new Set(names).size !== names.length) return null;
    segments.push({ t: 'list', items: seg });
  }
  return { t: 'list', items: segments };
}
