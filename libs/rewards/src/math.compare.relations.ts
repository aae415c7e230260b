import type { Budget } from './budget.js';
import { freeSymbols } from './expr.evaluate.js';
import type { Node, RelOp } from './expr.types.js';
import { type NodeEquality, orderedEqual } from './math.compare.collections.js';
import { intervalsEqual, relationToInterval, solveAbsoluteBound } from './math.compare.intervals.js';
import { isConstant, proportional, scalarEqual } from './math.compare.scalar.js';

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
export function chainValue(n: Node & { t: 'rel' }): Node | null {
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

/** `f(x)`: the function name when the node is a function written at one variable, else null. */
function functionOfVariable(n: Node): string | null {
  return n.t === 'mul' && n.call && n.a.t === 'sym' && n.b.t === 'sym' ? n.a.name : null;
}

/**
 * Two relations: labelled values by their value, inequalities of one label by their interval,
 * equations and inequalities by proportional sides, anything else part by part.
 */
export function relationsEqual(
  a: Node & { t: 'rel' },
  b: Node & { t: 'rel' },
  budget: Budget,
  nodesEqual: NodeEquality,
): boolean {
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
    if (ia.v === ib.v) return intervalsEqual([ia.iv], [ib.iv], budget);
    // a gold bounding |x| against a prediction solved for x (`|x| < 4` vs `-4 < x < 4`)
    const solved = ia.v === `|${ib.v}|` ? solveAbsoluteBound(ia.iv, budget) : null;
    return !!solved && intervalsEqual(solved, [ib.iv], budget);
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
