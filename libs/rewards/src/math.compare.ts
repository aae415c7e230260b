import type { Budget } from './budget.js';
import { BudgetExceeded } from './budget.js';
import { exactValue, freeSymbols, maxDecimals, numericValue } from './expr.evaluate.js';
import { parseTokens } from './expr.parser.js';
import { hugeValuesEqual } from './log.magnitude.js';
import { reduceMatrixArithmetic } from './matrix.algebra.js';
import { tokenize } from './expr.tokenizer.js';
import type { Node, RelOp } from './expr.types.js';
import type { PreparedAnswer } from './normalize.answer.js';
import { Rational } from './rational.js';

/** Parses prepared text into a node, or null when it is not mathematics (text, broken LaTeX). */
export function parseAnswerText(text: string, budget: Budget): Node | null {
  try {
    return parseTokens(tokenize(text, budget), budget);
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return null;
  }
}

/** Relative tolerance for comparing two exact-notation values that are not rational (√8 vs 2√2). */
const CONST_REL_TOL = 1e-9;
/** Relative tolerance at random points for symbolic expressions ((x+1)^2 vs x^2+2x+1). */
const SYMBOLIC_REL_TOL = 1e-8;
/** Values beyond exact range agree when their natural logarithms agree to this relative error. */
const HUGE_LOG_REL_TOL = 1e-13;
/** A decimal stands for an exact value only when written with this many decimal places... */
const MIN_DECIMAL_PLACES = 6;
/** ...or this many significant digits. */
const MIN_SIGNIFICANT = 8;

const POINTS = [0.5381, 1.3277, 2.1469, 0.8213, 1.7719, 2.6531, 0.3127];

function mentionsInfinity(n: Node): boolean {
  switch (n.t) {
    case 'const':
      return n.name === 'inf';
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return mentionsInfinity(n.a) || mentionsInfinity(n.b);
    case 'neg':
      return mentionsInfinity(n.a);
    case 'fn':
      return n.args.some(mentionsInfinity);
    default:
      return false;
  }
}

function close(a: number, b: number, rel: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Significant digits as the number was written (`0.3333` has 4, `37.699` has 5). */
function significantDigits(node: Node): number {
  if (node.t === 'num') return node.sig ?? 0;
  if (node.t === 'neg') return significantDigits(node.a);
  return 0;
}

/**
 * A decimal approximates an exact value: it equals the value rounded or truncated to its own
 * number of decimal places, and carries enough digits (6 places or 8 significant digits) to
 * mean it. `0.333333` matches 1/3; `0.33` and `3.14` (for π) do not.
 */
function decimalApproximates(decimalSide: Node, d: number, exact: number): boolean {
  const k = maxDecimals(decimalSide);
  if (k === 0 || d === 0) return false; // an all-zero decimal never stands for a non-zero value
  if (k < MIN_DECIMAL_PLACES && significantDigits(decimalSide) < MIN_SIGNIFICANT) return false;
  const scale = Math.pow(10, k);
  const written = Math.round(d * scale);
  const target = exact * scale;
  if (!Number.isSafeInteger(written) || !Number.isFinite(target))
    return Math.abs(d - exact) <= 1e-12 * Math.abs(exact); // past double precision: agree to 12 digits
  // the value rounded half-up or truncated toward zero to the decimal's own places
  return written === Math.round(target) || written === Math.trunc(target);
}

/** Equality of two scalar expressions: exact when both are rational, else numeric/random points. */
export function scalarEqual(a: Node, b: Node, budget: Budget): boolean {
  const ea = exactValue(a, budget);
  const eb = exactValue(b, budget);
  const da = maxDecimals(a);
  const db = maxDecimals(b);
  if (ea && eb) {
    if (ea.equals(eb)) return true;
    if (da > 0 && db === 0)
      return decimalApproximates(a, ea.toNumber(), eb.toNumber()) && !eb.isTerminating();
    if (db > 0 && da === 0)
      return decimalApproximates(b, eb.toNumber(), ea.toNumber()) && !ea.isTerminating();
    return false;
  }
  const vars = [...freeSymbols(a), ...freeSymbols(b)];
  if (vars.length === 0) {
    const na = numericValue(a, new Map(), budget);
    const nb = numericValue(b, new Map(), budget);
    if (Number.isNaN(na) || Number.isNaN(nb)) return false;
    // beyond the float range (not ∞ itself): compare logarithms, so 10^{400} ≠ 10^{500}
    if ((!Number.isFinite(na) || !Number.isFinite(nb)) && !mentionsInfinity(a) && !mentionsInfinity(b))
      return hugeValuesEqual(a, b, HUGE_LOG_REL_TOL, budget);
    if (close(na, nb, CONST_REL_TOL)) return true;
    if (da > 0 && db === 0 && ea) return decimalApproximates(a, na, nb);
    if (db > 0 && da === 0 && eb) return decimalApproximates(b, nb, na);
    return false;
  }
  const names = [...new Set(vars)];
  let valid = 0;
  for (let p = 0; p < POINTS.length; p++) {
    const env = new Map<string, number>();
    names.forEach((n, i) => env.set(n, POINTS[(p + i * 3) % POINTS.length]! + i * 0.0917));
    const va = numericValue(a, env, budget);
    const vb = numericValue(b, env, budget);
    const fa = Number.isFinite(va);
    const fb = Number.isFinite(vb);
    if (!fa && !fb) continue;
    if (fa !== fb) return false;
    if (!close(va, vb, SYMBOLIC_REL_TOL)) return false;
    valid++;
  }
  return valid >= 3;
}

/** Replaces each ± by + and − (2^k variants, k ≤ 3); null when there is no ±. */
function expandPm(node: Node): Node[] | null {
  let count = 0;
  const walk = (n: Node): Node[] => {
    switch (n.t) {
      case 'pm': {
        count++;
        const bs = walk(n.b);
        const as = n.a ? walk(n.a) : [null];
        const out: Node[] = [];
        for (const a of as)
          for (const b of bs) {
            out.push(a ? { t: 'add', a, b } : b);
            out.push(a ? { t: 'sub', a, b } : { t: 'neg', a: b });
          }
        return out;
      }
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
      case 'pow': {
        const as = walk(n.a);
        const bs = walk(n.b);
        const out: Node[] = [];
        for (const a of as) for (const b of bs) out.push({ ...n, a, b } as Node);
        return out;
      }
      case 'neg':
        return walk(n.a).map((a) => ({ t: 'neg', a }));
      case 'fn': {
        let combos: Node[][] = [[]];
        for (const arg of n.args) {
          const vs = walk(arg);
          combos = combos.flatMap((c) => vs.map((v) => [...c, v]));
        }
        return combos.map((args) => ({ t: 'fn', name: n.name, args }));
      }
      default:
        return [n];
    }
  };
  const out = walk(node);
  if (count === 0) return null;
  return count > 3 ? null : out;
}

type Interval = { lo: Node; hi: Node; loClosed: boolean; hiClosed: boolean };

const NEG_INF: Node = { t: 'neg', a: { t: 'const', name: 'inf' } };
const POS_INF: Node = { t: 'const', name: 'inf' };

function isConstant(n: Node): boolean {
  return freeSymbols(n).size === 0;
}

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
function relationToInterval(n: Node & { t: 'rel' }): { v: string; iv: Interval } | null {
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
function solveAbsoluteBound(iv: Interval, budget: Budget): Interval[] | null {
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
function toIntervals(n: Node, allowOpenPair: boolean): Interval[] | null {
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

function intervalEqual(a: Interval, b: Interval, budget: Budget): boolean {
  return (
    a.loClosed === b.loClosed &&
    a.hiClosed === b.hiClosed &&
    scalarEqual(a.lo, b.lo, budget) &&
    scalarEqual(a.hi, b.hi, budget)
  );
}

/** Perfect matching of two multisets under `eq` (greedy is exact here: equality is transitive). */
function unorderedEqual<T>(as: T[], bs: T[], eq: (a: T, b: T) => boolean): boolean {
  if (as.length !== bs.length) return false;
  const used = new Array<boolean>(bs.length).fill(false);
  for (const a of as) {
    const j = bs.findIndex((b, k) => !used[k] && eq(a, b));
    if (j < 0) return false;
    used[j] = true;
  }
  return true;
}

function orderedEqual<T>(as: T[], bs: T[], eq: (a: T, b: T) => boolean): boolean {
  return as.length === bs.length && as.every((a, i) => eq(a, bs[i]!));
}

/** Exact values of integer/fraction items (no decimal literals), or null when any item is not one. */
function exactKeys(items: Node[], budget: Budget): Set<string> | null {
  const keys = new Set<string>();
  for (const x of items) {
    if (maxDecimals(x) > 0) return null;
    const v = exactValue(x, budget);
    if (v === null) return null;
    keys.add(v.toString());
  }
  return keys;
}

/**
 * Two collections compared as sets: by exact value in linear time when every element is a
 * rational constant (a 200-element answer stays cheap), else by pairwise equivalence.
 */
function setsEqual(gs: Node[], ps: Node[], budget: Budget): boolean {
  const gk = exactKeys(gs, budget);
  const pk = gk && exactKeys(ps, budget);
  if (gk && pk) return gk.size === pk.size && [...gk].every((k) => pk.has(k));
  return unorderedEqual(dedupe(gs, budget), dedupe(ps, budget), (a, b) => nodesEqual(a, b, budget));
}

function dedupe(items: Node[], budget: Budget): Node[] {
  const out: Node[] = [];
  for (const x of items) if (!out.some((y) => nodesEqual(x, y, budget))) out.push(x);
  return out;
}

/** Any number literal in the expression (`a + 3z` has one; `|PQ|`, `R_1 : R_2` have none). */
function hasNumberLiteral(n: Node): boolean {
  switch (n.t) {
    case 'num':
      return true;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
    case 'setop':
      return hasNumberLiteral(n.a) || hasNumberLiteral(n.b);
    case 'neg':
      return hasNumberLiteral(n.a);
    case 'pm':
      return (n.a !== null && hasNumberLiteral(n.a)) || hasNumberLiteral(n.b);
    case 'fn':
      return n.args.some(hasNumberLiteral);
    case 'group':
    case 'list':
    case 'ratio':
      return n.items.some(hasNumberLiteral);
    default:
      return false;
  }
}

/**
 * The left side of `L = value` is a label when it names what was asked for: a variable (`x`,
 * `x_1`), a function value (`f(x)`, `f(2)`, `P(A)`: a variable applied to something), or any
 * expression of variables alone (`(x, y)`, `|PQ|`, `R_1 : R_2`, `a + b`). A side with a number
 * in it (`7 = 11a + c`, `a + 3z = 0`) is an equation, not a label.
 */
export function isLabel(lhs: Node): boolean {
  if (lhs.t === 'sym') return true;
  if (lhs.t === 'mul' && lhs.a.t === 'sym') return true;
  return freeSymbols(lhs).size > 0 && !hasNumberLiteral(lhs);
}

/** Reduces `a = b = … = c` to the final value when the chain is a computation or a labelled value. */
function chainValue(n: Node & { t: 'rel' }): Node | null {
  if (!n.ops.every((o) => o === '=')) return null;
  if (n.parts.length >= 3) return n.parts[n.parts.length - 1]!;
  const [lhs, rhs] = n.parts as [Node, Node];
  // `4! = 24`, `5 + 6 = 11`: a computation, worth its result
  if (isConstant(lhs) && isConstant(rhs)) return rhs;
  return isLabel(lhs) ? rhs : null;
}

/** L − R of a 2-sided relation normalised so that the relation reads `f op 0` with op in {=, <, <=, !=}. */
function relationFunction(n: Node & { t: 'rel' }): { f: Node; op: RelOp } | null {
  if (n.parts.length !== 2) return null;
  const [l, r] = n.parts as [Node, Node];
  const op = n.ops[0]!;
  if (op === '>' || op === '>=') return { f: { t: 'sub', a: r, b: l }, op: op === '>' ? '<' : '<=' };
  return { f: { t: 'sub', a: l, b: r }, op };
}

/** f ≡ k·g for a constant k (k > 0 for inequalities): the same equation or inequality. */
function proportional(f: Node, g: Node, positive: boolean, budget: Budget): boolean {
  const names = [...new Set([...freeSymbols(f), ...freeSymbols(g)])];
  if (names.length === 0) return false;
  let k: number | null = null;
  let valid = 0;
  for (let p = 0; p < POINTS.length; p++) {
    const env = new Map<string, number>();
    names.forEach((n, i) => env.set(n, POINTS[(p + i * 3) % POINTS.length]! + i * 0.0917));
    const vf = numericValue(f, env, budget);
    const vg = numericValue(g, env, budget);
    if (!Number.isFinite(vf) || !Number.isFinite(vg)) continue;
    if (Math.abs(vg) < 1e-12) {
      if (Math.abs(vf) > 1e-9) return false;
      continue;
    }
    const ratio = vf / vg;
    if (k === null) k = ratio;
    else if (!close(k, ratio, SYMBOLIC_REL_TOL)) return false;
    valid++;
  }
  return valid >= 3 && k !== null && k !== 0 && (!positive || k > 0);
}

/** `f(x)`: the function name when the node is a function written at one variable, else null. */
function functionOfVariable(n: Node): string | null {
  return n.t === 'mul' && n.call && n.a.t === 'sym' && n.b.t === 'sym' ? n.a.name : null;
}

function relationsEqual(a: Node & { t: 'rel' }, b: Node & { t: 'rel' }, budget: Budget): boolean {
  const va = chainValue(a);
  const vb = chainValue(b);
  if (va && vb) {
    const la = a.parts[0]!;
    const lb = b.parts[0]!;
    if (la.t === 'sym' && lb.t === 'sym' && la.name === lb.name) return nodesEqual(va, vb, budget);
    // `W(n) = 1` vs `W(x) = 1`: the argument's name is a dummy
    const fa = functionOfVariable(la);
    if (fa !== null && fa === functionOfVariable(lb)) return nodesEqual(va, vb, budget);
    if (a.parts.length >= 3 || b.parts.length >= 3) return nodesEqual(va, vb, budget);
  }
  const ia = relationToInterval(a);
  const ib = relationToInterval(b);
  if (ia && ib) {
    if (ia.v === ib.v) return intervalEqual(ia.iv, ib.iv, budget);
    // a gold bounding |x| against a prediction solved for x (`|x| < 4` vs `-4 < x < 4`)
    const solved = ia.v === `|${ib.v}|` ? solveAbsoluteBound(ia.iv, budget) : null;
    return !!solved && unorderedEqual(solved, [ib.iv], (x, y) => intervalEqual(x, y, budget));
  }
  const fa = relationFunction(a);
  const fb = relationFunction(b);
  if (fa && fb && fa.op === fb.op) {
    if (scalarEqual(fa.f, fb.f, budget)) return true;
    return proportional(fa.f, fb.f, fa.op !== '=' && fa.op !== '!=', budget);
  }
  if (a.parts.length === b.parts.length && orderedEqual(a.ops, b.ops, (x, y) => x === y))
    return orderedEqual(a.parts, b.parts, (x, y) => nodesEqual(x, y, budget));
  return false;
}

function isVectorLike(n: Node): n is Node & { t: 'group' } {
  return n.t === 'group' && ((n.open === '(' && n.close === ')') || (n.open === '<' && n.close === '>'));
}

function matrixAsVector(n: Node & { t: 'matrix' }): Node[] | null {
  if (n.rows.length === 1) return n.rows[0]!;
  if (n.rows.every((r) => r.length === 1)) return n.rows.map((r) => r[0]!);
  return null;
}

/**
 * Structural equality of parsed answers; see README "Equivalence policy". Scalars go through
 * scalarEqual; structure (relations, intervals, sets, tuples, matrices) is matched first.
 */
export function nodesEqual(gold: Node, pred: Node, budget: Budget): boolean {
  budget.check();
  const g = reduceMatrixArithmetic(gold, budget);
  const p = reduceMatrixArithmetic(pred, budget);
  // ± expands to the set of both signs
  const gx = expandPm(g);
  const px = expandPm(p);
  if (gx || px) {
    const gs = gx ?? (g.t === 'list' ? g.items : g.t === 'group' && g.open === '{' ? g.items : [g]);
    const ps = px ?? (p.t === 'list' ? p.items : p.t === 'group' && p.open === '{' ? p.items : [p]);
    return setsEqual(gs, ps, budget);
  }
  // relations
  if (g.t === 'rel' && p.t === 'rel') return relationsEqual(g, p, budget);
  if (g.t === 'rel') {
    const v = chainValue(g);
    if (v) return nodesEqual(v, p, budget);
    // a gold bounding |x| stands for the x it allows (`1 ≤ |z| ≤ 3/2` = `[-3/2, -1] ∪ [1, 3/2]`)
    const r = relationToInterval(g);
    const iv = r && isAbsOfVariable(r.v) ? solveAbsoluteBound(r.iv, budget) : toIntervals(g, true);
    const pv = toIntervals(p, true);
    return !!iv && !!pv && unorderedEqual(iv, pv, (a, b) => intervalEqual(a, b, budget));
  }
  if (p.t === 'rel') {
    const v = chainValue(p);
    if (v) return nodesEqual(g, v, budget);
    const gv = toIntervals(g, true);
    const iv = toIntervals(p, true);
    return !!iv && !!gv && unorderedEqual(gv, iv, (a, b) => intervalEqual(a, b, budget));
  }
  // ratios
  if (g.t === 'ratio' || p.t === 'ratio') return ratiosEqual(g, p, budget);
  // intervals and unions
  const gi = toIntervals(g, false);
  const pi = toIntervals(p, false);
  if (gi || pi || g.t === 'setop' || p.t === 'setop') {
    const a = gi ?? toIntervals(g, true);
    const b = pi ?? toIntervals(p, true);
    if (a && b) return unorderedEqual(a, b, (x, y) => intervalEqual(x, y, budget));
    if (g.t === 'setop' && p.t === 'setop')
      return g.op === p.op && nodesEqual(g.a, p.a, budget) && nodesEqual(g.b, p.b, budget);
    return false;
  }
  // matrices and vectors
  if (g.t === 'matrix' || p.t === 'matrix') {
    if (g.t === 'matrix' && p.t === 'matrix')
      return orderedEqual(g.rows, p.rows, (r, s) => orderedEqual(r, s, (x, y) => nodesEqual(x, y, budget)));
    const m = (g.t === 'matrix' ? g : p) as Node & { t: 'matrix' };
    const other = g.t === 'matrix' ? p : g;
    const vec = matrixAsVector(m);
    return !!vec && isVectorLike(other) && orderedEqual(vec, other.items, (x, y) => nodesEqual(x, y, budget));
  }
  // sets, tuples, lists
  const gSet = g.t === 'group' && g.open === '{';
  const pSet = p.t === 'group' && p.open === '{';
  if (gSet || pSet) {
    const gs = gSet ? g.items : g.t === 'list' ? g.items : [g];
    const ps = pSet ? p.items : p.t === 'list' ? p.items : [p];
    return setsEqual(gs, ps, budget);
  }
  if (g.t === 'group' || p.t === 'group') {
    if (g.t === 'group' && p.t === 'group') {
      const sameDelims = g.open === p.open && g.close === p.close;
      if (!sameDelims && !(isVectorLike(g) && isVectorLike(p))) return false;
      return orderedEqual(g.items, p.items, (a, b) => nodesEqual(a, b, budget));
    }
    // a tuple written without brackets keeps its order: (1, 2) vs "1, 2"
    const grp = (g.t === 'group' ? g : p) as Node & { t: 'group' };
    const other = g.t === 'group' ? p : g;
    return (
      isVectorLike(grp) &&
      other.t === 'list' &&
      orderedEqual(
        g.t === 'group' ? grp.items : other.items,
        g.t === 'group' ? other.items : grp.items,
        (a, b) => nodesEqual(a, b, budget),
      )
    );
  }
  if (g.t === 'list' || p.t === 'list') {
    if (g.t !== 'list' || p.t !== 'list') return false;
    // a bare list answers "find all …": a set, so repeats do not count
    return setsEqual(g.items, p.items, budget);
  }
  if (g.t === 'text' || p.t === 'text') return g.t === 'text' && p.t === 'text' && g.s === p.s;
  return scalarEqual(g, p, budget);
}

/**
 * `a : b` equals `c : d` when the terms are proportional (`10 : 18` = `5 : 9`), and equals a single
 * value when that is its quotient (`5 : 9` = `5/9`); a ratio is never a tuple or a list.
 */
function ratiosEqual(g: Node, p: Node, budget: Budget): boolean {
  const asItems = (n: Node): Node[] | null => (n.t === 'ratio' ? n.items : null);
  const gs = asItems(g);
  const ps = asItems(p);
  if (gs && ps) {
    if (gs.length !== ps.length) return false;
    // a zero term is no ratio to scale (`12:00` is a time, and `12:00` ≠ `1:00`): term by term
    const zero = (n: Node) => exactValue(n, budget)?.isZero() ?? false;
    if (gs.some(zero) || ps.some(zero)) return orderedEqual(gs, ps, (x, y) => scalarEqual(x, y, budget));
    // g_i · p_0 = p_i · g_0 for every i
    return gs.every((gi, i) =>
      scalarEqual({ t: 'mul', a: gi, b: ps[0]! }, { t: 'mul', a: ps[i]!, b: gs[0]! }, budget),
    );
  }
  const r = (gs ?? ps)!;
  const other = gs ? p : g;
  if (r.length !== 2 || !isConstant(other) || other.t === 'group' || other.t === 'list') return false;
  return scalarEqual({ t: 'div', a: r[0]!, b: r[1]! }, other, budget);
}

/** Percent on one side only: `28\%` matches 28 (the bare number) and 0.28 (its value). */
function percentVariants(n: Node): Node[] {
  const hundred: Node = { t: 'num', v: Rational.int(100), decimals: 0 };
  return [n, { t: 'div', a: n, b: hundred }];
}

/** Parse both prepared answers (all their readings) and compare; see README for the policy. */
export function preparedEqual(gold: PreparedAnswer, pred: PreparedAnswer, budget: Budget): boolean | null {
  const gNodes = [gold.text, ...gold.alts]
    .map((t) => parseAnswerText(t, budget))
    .filter((n): n is Node => n !== null);
  if (gNodes.length === 0) return null;
  const pNodes = [pred.text, ...pred.alts]
    .map((t) => parseAnswerText(t, budget))
    .filter((n): n is Node => n !== null);
  for (const g of gNodes)
    for (const p of pNodes) {
      if (gold.percent === pred.percent) {
        if (nodesEqual(g, p, budget)) return true;
      } else if (gold.percent) {
        if (percentVariants(g).some((gv) => nodesEqual(gv, p, budget))) return true;
      } else if (percentVariants(p).some((pv) => nodesEqual(g, pv, budget))) return true;
    }
  return false;
}
