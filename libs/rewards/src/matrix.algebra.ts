import type { Budget } from './budget.js';
import { exactValue, maxDecimals } from './expr.evaluate.js';
import type { Node } from './expr.types.js';

type Matrix = Node & { t: 'matrix' };

/** Largest matrix power evaluated (`A^8`); beyond it the expression is left as written. */
const MAX_MATRIX_POWER = 8;
/** Largest dimension multiplied; answers are small, so this only bounds hostile input. */
const MAX_DIM = 8;

function containsMatrix(n: Node): boolean {
  switch (n.t) {
    case 'matrix':
      return true;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return containsMatrix(n.a) || containsMatrix(n.b);
    case 'neg':
      return containsMatrix(n.a);
    default:
      return false;
  }
}

const isMatrix = (n: Node): n is Matrix => n.t === 'matrix';

function map(m: Matrix, f: (x: Node) => Node): Matrix {
  return { t: 'matrix', rows: m.rows.map((r) => r.map(f)) };
}

function sameShape(a: Matrix, b: Matrix): boolean {
  return a.rows.length === b.rows.length && a.rows[0]!.length === b.rows[0]!.length;
}

/** Largest expression tree an entry may grow to; a bigger result is left unevaluated. */
const MAX_ENTRY_NODES = 400;

/** Node count of an expression, stopping once past `limit`. */
function sizeAtMost(n: Node, limit: number): number {
  let count = 0;
  const stack: Node[] = [n];
  while (stack.length > 0 && count <= limit) {
    const x = stack.pop()!;
    count++;
    if ('a' in x && x.a) stack.push(x.a);
    if ('b' in x) stack.push(x.b);
  }
  return count;
}

/** An entry folded to its exact value when it has one, so repeated products stay small. */
function fold(n: Node, budget: Budget): Node | null {
  const v = exactValue(n, budget);
  if (v) return { t: 'num', v, decimals: maxDecimals(n) };
  return sizeAtMost(n, MAX_ENTRY_NODES) > MAX_ENTRY_NODES ? null : n;
}

function product(a: Matrix, b: Matrix, budget: Budget): Matrix | null {
  const n = a.rows.length;
  const k = a.rows[0]!.length;
  const m = b.rows[0]!.length;
  if (k !== b.rows.length || n > MAX_DIM || k > MAX_DIM || m > MAX_DIM) return null;
  budget.check(n * k * m * 8); // each entry term also costs an exact multiply and a fold
  const rows: Node[][] = [];
  for (let i = 0; i < n; i++) {
    const row: Node[] = [];
    for (let j = 0; j < m; j++) {
      let sum: Node = { t: 'mul', a: a.rows[i]![0]!, b: b.rows[0]![j]! };
      for (let t = 1; t < k; t++)
        sum = { t: 'add', a: sum, b: { t: 'mul', a: a.rows[i]![t]!, b: b.rows[t]![j]! } };
      const entry = fold(sum, budget);
      if (entry === null) return null;
      row.push(entry);
    }
    rows.push(row);
  }
  return { t: 'matrix', rows };
}

/** One arithmetic step with at least one matrix operand; null when it is undefined (shapes). */
function combine(op: Node['t'], a: Node, b: Node, budget: Budget): Node | null {
  if (op === 'add' || op === 'sub') {
    if (!isMatrix(a) || !isMatrix(b) || !sameShape(a, b)) return null;
    return {
      t: 'matrix',
      rows: a.rows.map((r, i) => r.map((x, j) => ({ t: op, a: x, b: b.rows[i]![j]! }) as Node)),
    };
  }
  if (op === 'mul') {
    if (isMatrix(a) && isMatrix(b)) return product(a, b, budget);
    if (isMatrix(b)) return map(b, (x) => ({ t: 'mul', a, b: x }));
    if (isMatrix(a)) return map(a, (x) => ({ t: 'mul', a: x, b }));
  }
  if (op === 'div' && isMatrix(a) && !isMatrix(b)) return map(a, (x) => ({ t: 'div', a: x, b }));
  if (op === 'pow' && isMatrix(a) && !isMatrix(b)) {
    const e = exactValue(b, budget);
    if (!e || !e.isInteger() || e.num < 1n || e.num > BigInt(MAX_MATRIX_POWER)) return null;
    let r: Matrix | null = a;
    for (let k = 1n; k < e.num && r; k++) r = product(r, a, budget);
    return r;
  }
  return null;
}

function reduce(n: Node, budget: Budget): Node | null {
  budget.check();
  switch (n.t) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow': {
      const a = reduce(n.a, budget);
      const b = reduce(n.b, budget);
      if (a === null || b === null) return null;
      if (!isMatrix(a) && !isMatrix(b)) return { ...n, a, b } as Node;
      return combine(n.t, a, b, budget);
    }
    case 'neg': {
      const a = reduce(n.a, budget);
      if (a === null) return null;
      return isMatrix(a) ? map(a, (x) => ({ t: 'neg', a: x })) : { t: 'neg', a };
    }
    default:
      return n;
  }
}

/**
 * Evaluates sums, differences, products, scalar multiples and small powers of matrices into one
 * matrix whose entries are expressions (compared later entry by entry). Anything without a
 * matrix, or with mismatched shapes, is returned unchanged.
 */
export function reduceMatrixArithmetic(n: Node, budget: Budget): Node {
  if (n.t === 'matrix' || !containsMatrix(n)) return n;
  return reduce(n, budget) ?? n;
}
