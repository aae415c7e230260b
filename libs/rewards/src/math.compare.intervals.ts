import type { Budget } from './budget.js';
import { numericValue } from './expr.evaluate.js';
import type { Node, RelOp } from './expr.types.js';
import { unorderedEqual } from './math.compare.collections.js';
import { isConstant, scalarEqual } from './math.compare.scalar.js';

/** One interval of the real line; an infinite end is NEG_INF / POS_INF (always open). */
export type Interval = { lo: Node; hi: Node; loClosed: boolean; hiClosed: boolean };

const NEG_INF: Node = { t: 'neg', a: { t: 'const', name: 'inf' } };
const POS_INF: Node = { t: 'const', name: 'inf' };

/**
 * The name of what an inequality bounds, when it is a label: a variable (`x`), a function value
 * (`g(t)`) or an absolute value of one (`|x|`, `|f(x)|`). The interval is the range of that
 * label (`0 ≤ |f(x)| ≤ 3` is [0, 3]); only a gold's bound on |x| for a variable x is solved
 * (solveAbsoluteBound).
 */
function boundedName(n: Node): string | null {
  if (n.t === 'sym') return n.name;
  if (n.t === 'mul' && n.a.t === 'sym' && n.b.t === 'sym') return `${n.a.name}(${n.b.name})`;
  if (n.t === 'fn' && n.name === 'abs' && n.args.length === 1) {
    const inner = boundedName(n.args[0]!);
    return inner === null ? null : `|${inner}|`;
  }
  return null;
}

/** `x < 3`, `3 <= x`, `1 < g(t) <= 2` as an interval of the bounded label; null for anything else. */
export function relationToInterval(n: Node & { t: 'rel' }): { v: string; iv: Interval } | null {
  const { parts, ops } = n;
  const flip: Record<string, RelOp> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
  if (parts.length === 2) {
    let [l, r] = parts as [Node, Node];
    let op = ops[0]!;
    if (!(op in flip)) return null;
    if (boundedName(l) === null && boundedName(r) !== null) {
      [l, r] = [r, l];
      op = flip[op]!;
    }
    const v = boundedName(l);
    if (v === null || !isConstant(r)) return null;
    if (op === '<' || op === '<=')
      return { v, iv: { lo: NEG_INF, hi: r, loClosed: false, hiClosed: op === '<=' } };
    return { v, iv: { lo: r, hi: POS_INF, loClosed: op === '>=', hiClosed: false } };
  }
  if (parts.length === 3) {
    const [a, x, b] = parts as [Node, Node, Node];
    const [o1, o2] = ops as [RelOp, RelOp];
    const v = boundedName(x);
    if (v === null || !isConstant(a) || !isConstant(b)) return null;
    const up = (o: RelOp) => o === '<' || o === '<=';
    const down = (o: RelOp) => o === '>' || o === '>=';
    if (up(o1) && up(o2)) return { v, iv: { lo: a, hi: b, loClosed: o1 === '<=', hiClosed: o2 === '<=' } };
    if (down(o1) && down(o2))
      return { v, iv: { lo: b, hi: a, loClosed: o2 === '>=', hiClosed: o1 === '>=' } };
  }
  return null;
}

/** `|x|`: the bounded label is the absolute value of a variable (not of a function value). */
function isAbsOfVariable(label: string): boolean {
  return /^\|[^|()]+\|$/.test(label);
}

/**
 * The real x allowed by a bound on |x| given as an interval of |x|: `|x| < b` is (-b, b),
 * `a ≤ |x| ≤ b` (a > 0) is [-b, -a] ∪ [a, b], `|x| > a` (a ≥ 0) is (-∞, -a) ∪ (a, ∞). Null when a
 * bound is not a number or the set is empty or all of ℝ (nothing to compare).
 */
export function solveAbsoluteBound(iv: Interval, budget: Budget): Interval[] | null {
  const value = (n: Node) => numericValue(n, new Map(), budget);
  const lo = iv.lo === NEG_INF ? -Infinity : value(iv.lo);
  const hi = iv.hi === POS_INF ? Infinity : value(iv.hi);
  if (Number.isNaN(lo) || Number.isNaN(hi) || hi < 0 || (hi === 0 && !iv.hiClosed)) return null;
  const neg = (n: Node): Node => (n === POS_INF ? NEG_INF : { t: 'neg', a: n });
  // no lower bound on |x| above zero: one interval symmetric about 0
  if (lo < 0 || (lo === 0 && iv.loClosed)) {
    if (hi === Infinity) return null;
    return [{ lo: neg(iv.hi), hi: iv.hi, loClosed: iv.hiClosed, hiClosed: iv.hiClosed }];
  }
  return [
    { lo: neg(iv.hi), hi: neg(iv.lo), loClosed: iv.hiClosed, hiClosed: iv.loClosed },
    { lo: iv.lo, hi: iv.hi, loClosed: iv.loClosed, hiClosed: iv.hiClosed },
  ];
}

/** An interval or union of intervals as a list; null when the node is not one. */
export function toIntervals(n: Node, allowOpenPair: boolean): Interval[] | null {
  if (
    n.t === 'group' &&
    n.items.length === 2 &&
    (n.open === '(' || n.open === '[') &&
    (n.close === ')' || n.close === ']')
  ) {
    if (!allowOpenPair && n.open === '(' && n.close === ')') return null;
    return [{ lo: n.items[0]!, hi: n.items[1]!, loClosed: n.open === '[', hiClosed: n.close === ']' }];
  }
  if (n.t === 'setop' && n.op === 'cup') {
    const a = toIntervals(n.a, true);
    const b = toIntervals(n.b, true);
    return a && b ? [...a, ...b] : null;
  }
  if (n.t === 'rel') {
    // `|x| < 4` is not an interval of |x|: as a gold it is solved (solveAbsoluteBound), as a
    // prediction it restates the question
    const r = relationToInterval(n);
    return r && !isAbsOfVariable(r.v) ? [r.iv] : null;
  }
  if (n.t === 'list' && n.items.every((x) => x.t === 'rel')) {
    // `x < 1 or x > 2`
    const parts = n.items.map((x) => relationToInterval(x as Node & { t: 'rel' }));
    if (parts.some((p) => p === null) || new Set(parts.map((p) => p!.v)).size !== 1) return null;
    return parts.map((p) => p!.iv);
  }
  if (n.t === 'group' && n.open === '{' && n.items.length === 1 && isConstant(n.items[0]!)) {
    // a singleton {a} inside a union is the closed interval [a, a]
    return [{ lo: n.items[0]!, hi: n.items[0]!, loClosed: true, hiClosed: true }];
  }
  return null;
}

/**
 * The intervals a gold relation stands for: a bound on |x| stands for the x it allows
 * (`1 ≤ |z| ≤ 3/2` = `[-3/2, -1] ∪ [1, 3/2]`), any other inequality for its own interval(s).
 */
export function goldRelationIntervals(g: Node & { t: 'rel' }, budget: Budget): Interval[] | null {
  const r = relationToInterval(g);
  return r && isAbsOfVariable(r.v) ? solveAbsoluteBound(r.iv, budget) : toIntervals(g, true);
}

function intervalEqual(a: Interval, b: Interval, budget: Budget): boolean {
  return (
    a.loClosed === b.loClosed &&
    a.hiClosed === b.hiClosed &&
    scalarEqual(a.lo, b.lo, budget) &&
    scalarEqual(a.hi, b.hi, budget)
  );
}

/** The same union of intervals, in any order. */
export function intervalsEqual(as: Interval[], bs: Interval[], budget: Budget): boolean {
  return unorderedEqual(as, bs, (a, b) => intervalEqual(a, b, budget));
}
