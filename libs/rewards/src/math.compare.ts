/**
 * The answer comparer: parses prepared answers and decides equivalence (README "Equivalence
 * policy"). nodesEqual dispatches on structure; the rules live beside it: math.compare.scalar
 * (numbers and expressions), .intervals, .relations and .collections (sets, tuples).
 */
import type { Budget } from './budget.js';
import { BudgetExceeded } from './budget.js';
import { exactValue } from './expr.evaluate.js';
import { parseTokens } from './expr.parser.js';
import { tokenize } from './expr.tokenizer.js';
import type { Node } from './expr.types.js';
import { orderedEqual, setsEqual } from './math.compare.collections.js';
import { goldRelationIntervals, intervalsEqual, toIntervals } from './math.compare.intervals.js';
import { chainValue, relationsEqual } from './math.compare.relations.js';
import { isConstant, scalarEqual } from './math.compare.scalar.js';
import { reduceMatrixArithmetic } from './matrix.algebra.js';
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
    return setsEqual(gs, ps, budget, nodesEqual);
  }
  // relations
  if (g.t === 'rel' && p.t === 'rel') return relationsEqual(g, p, budget, nodesEqual);
  if (g.t === 'rel') {
    const v = chainValue(g);
    if (v) return nodesEqual(v, p, budget);
    const iv = goldRelationIntervals(g, budget);
    const pv = toIntervals(p, true);
    return !!iv && !!pv && intervalsEqual(iv, pv, budget);
  }
  if (p.t === 'rel') {
    const v = chainValue(p);
    if (v) return nodesEqual(g, v, budget);
    const gv = toIntervals(g, true);
    const iv = toIntervals(p, true);
    return !!iv && !!gv && intervalsEqual(gv, iv, budget);
  }
  // ratios
  if (g.t === 'ratio' || p.t === 'ratio') return ratiosEqual(g, p, budget);
  // intervals and unions
  const gi = toIntervals(g, false);
  const pi = toIntervals(p, false);
  if (gi || pi || g.t === 'setop' || p.t === 'setop') {
    const a = gi ?? toIntervals(g, true);
    const b = pi ?? toIntervals(p, true);
    if (a && b) return intervalsEqual(a, b, budget);
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
    return setsEqual(gs, ps, budget, nodesEqual);
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
    return setsEqual(g.items, p.items, budget, nodesEqual);
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
