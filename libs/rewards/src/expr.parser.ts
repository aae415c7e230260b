import type { Budget } from './budget.js';
import type { Node, RelOp, Tok } from './expr.types.js';
import { PrimaryParser } from './expr.parser.primary.js';
import { ParseError } from './expr.token-cursor.js';

const REL_OPS = new Set(['=', '<', '<=', '>', '>=', '!=', '~=']);
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

/** The operator levels, loosest first; the primaries below them are PrimaryParser's. */
class Parser extends PrimaryParser {
  override parseList(): Node {
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

  protected override parseRel(): Node {
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

  protected override parseAdd(): Node {
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

  protected override startsImplicit(): boolean {
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

  protected override parsePow(): Node {
    const base = this.parsePostfix();
    if (!this.isOp('^')) return base;
    this.pos++;
    const exp = this.parseExponent();
    return { t: 'pow', a: base, b: exp };
  }

  /** `^{…}`, `^2`, `^-1`, `^x`; LaTeX `x^23` is `x^2·3`, so a bare exponent is one digit. */
  protected override parseExponent(): Node {
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
