import type { Delim, Node } from './expr.types.js';
import { ParseError, TokenCursor } from './expr.token-cursor.js';
import { Rational } from './rational.js';

/**
 * The primaries of answer syntax: numbers (and mixed numbers), variables, functions, LaTeX commands
 * (\frac, \sqrt, \binom, floors, absolute values), brackets, sets and matrices. The operator levels
 * they contain (a list in brackets, a sum in |…|, an exponent) come from the parser above
 * (expr.parser.ts).
 */
export abstract class PrimaryParser extends TokenCursor {
  abstract parseList(): Node;
  protected abstract parseRel(): Node;
  protected abstract parseAdd(): Node;
  protected abstract parsePow(): Node;
  protected abstract parseExponent(): Node;
  /** The next token starts an implicit product's factor (`2x`, `x(y+1)`, `\sin x \cos x`). */
  protected abstract startsImplicit(): boolean;

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

  protected parsePrimary(): Node {
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
