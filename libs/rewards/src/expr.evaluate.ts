import type { Budget } from './budget.js';
import type { Node } from './expr.types.js';
import { LIMITS } from './limits.js';
import { Rational } from './rational.js';

/** One work unit per 1,024 bits of a big-number result. */
const BITS_PER_UNIT_SHIFT = 10;
/** Largest n for which n! is computed. */
const MAX_FACTORIAL = 170;

function intRoot(x: bigint, n: bigint): bigint | null {
  if (x < 0n) {
    if (n % 2n === 0n) return null;
    const r = intRoot(-x, n);
    return r === null ? null : -r;
  }
  if (x < 2n) return x;
  // Newton's method from a float estimate, then verify exactly.
  let r = BigInt(Math.round(Math.pow(Number(x), 1 / Number(n))));
  for (let k = 0; k < 4 && r > 0n; k++) {
    const p = r ** n;
    if (p === x) return r;
    r = p > x ? r - 1n : r + 1n;
  }
  return r > 0n && r ** n === x ? r : null;
}

function rationalRoot(q: Rational, n: bigint): Rational | null {
  const a = intRoot(q.num, n);
  const b = intRoot(q.den, n);
  return a === null || b === null ? null : Rational.of(a, b);
}

/**
 * Exact value of a constant expression when it is rational (integers, decimals, fractions,
 * integer powers, perfect roots, small factorials); null otherwise or when numbers grow too big.
 */
export function exactValue(node: Node, budget: Budget): Rational | null {
  budget.check();
  switch (node.t) {
    case 'num':
      return node.v;
    case 'neg': {
      const a = exactValue(node.a, budget);
      return a && a.neg();
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div': {
      const a = exactValue(node.a, budget);
      if (!a) return null;
      const b = exactValue(node.b, budget);
      if (!b) return null;
      let r: Rational;
      if (node.t === 'add') r = a.add(b);
      else if (node.t === 'sub') r = a.sub(b);
      else if (node.t === 'mul') r = a.mul(b);
      else if (b.isZero()) return null;
      else r = a.div(b);
      const bits = r.bits();
      budget.check(bits >> BITS_PER_UNIT_SHIFT); // big-number work is paid for by size
      return bits > LIMITS.maxRationalBits ? null : r;
    }
    case 'pow': {
      const a = exactValue(node.a, budget);
      if (!a) return null;
      const b = exactValue(node.b, budget);
      if (!b) return null;
      if (b.num > BigInt(LIMITS.maxExactExponent) || b.num < -BigInt(LIMITS.maxExactExponent) || b.den > 64n)
        return null;
      if (a.isZero() && b.num <= 0n) return null;
      if (a.bits() * Number(b.num < 0n ? -b.num : b.num) > LIMITS.maxRationalBits) return null;
      budget.check((a.bits() * Number(b.num < 0n ? -b.num : b.num)) >> BITS_PER_UNIT_SHIFT);
      const p = a.pow(b.num);
      return b.den === 1n ? p : rationalRoot(p, b.den);
    }
    case 'fn': {
      const args = node.args.map((x) => exactValue(x, budget));
      const a = args[0];
      if (!a || args.some((x) => x === null)) return null;
      switch (node.name) {
        case 'sqrt':
          return a.num < 0n ? null : rationalRoot(a, 2n);
        case 'abs':
          return a.num < 0n ? a.neg() : a;
        case 'fact': {
          if (!a.isInteger() || a.num < 0n || a.num > BigInt(MAX_FACTORIAL)) return null;
          let r = 1n;
          for (let k = 2n; k <= a.num; k++) r *= k;
          return Rational.of(r);
        }
        case 'binom': {
          const b = args[1]!;
          if (!a.isInteger() || !b.isInteger() || b.num < 0n || a.num < 0n || a.num > 10_000n) return null;
          if (b.num > a.num) return Rational.ZERO;
          let r = 1n;
          for (let k = 0n; k < b.num; k++) r = (r * (a.num - k)) / (k + 1n);
          return Rational.of(r);
        }
        case 'floor':
        case 'ceil': {
          let f = a.num / a.den;
          if (a.num < 0n && f * a.den !== a.num) f -= 1n; // bigint division truncates toward zero
          if (node.name === 'ceil' && f * a.den !== a.num) f += 1n;
          return Rational.of(f);
        }
      }
      return null;
    }
    default:
      return null;
  }
}

/** Free variables of an expression, sorted. */
export function freeSymbols(node: Node, out: Set<string> = new Set()): Set<string> {
  switch (node.t) {
    case 'sym':
      out.add(node.name);
      break;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
    case 'setop':
      freeSymbols(node.a, out);
      freeSymbols(node.b, out);
      break;
    case 'pm':
      if (node.a) freeSymbols(node.a, out);
      freeSymbols(node.b, out);
      break;
    case 'neg':
      freeSymbols(node.a, out);
      break;
    case 'fn':
    case 'group':
    case 'list':
    case 'ratio':
      for (const x of node.t === 'fn' ? node.args : node.items) freeSymbols(x, out);
      break;
    case 'rel':
      for (const x of node.parts) freeSymbols(x, out);
      break;
    case 'matrix':
      for (const r of node.rows) for (const x of r) freeSymbols(x, out);
      break;
  }
  return out;
}

/** Most digits after a decimal point in any number literal (0 when all are integers). */
export function maxDecimals(node: Node): number {
  switch (node.t) {
    case 'num':
      return node.decimals;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return Math.max(maxDecimals(node.a), maxDecimals(node.b));
    case 'neg':
      return maxDecimals(node.a);
    case 'fn':
      return Math.max(0, ...node.args.map(maxDecimals));
    default:
      return 0;
  }
}

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_FACTORIAL) return NaN;
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

/** Floating-point value with variables bound by `env`; NaN outside a function's real domain. */
export function numericValue(node: Node, env: ReadonlyMap<string, number>, budget: Budget): number {
  budget.check();
  const ev = (x: Node) => numericValue(x, env, budget);
  switch (node.t) {
    case 'num':
      return node.v.toNumber();
    case 'sym': {
      const v = env.get(node.name);
      return v === undefined ? NaN : v;
    }
    case 'const':
      return node.name === 'pi' ? Math.PI : node.name === 'e' ? Math.E : Infinity;
    case 'add':
      return ev(node.a) + ev(node.b);
    case 'sub':
      return ev(node.a) - ev(node.b);
    case 'mul':
      return ev(node.a) * ev(node.b);
    case 'div': {
      const d = ev(node.b);
      return d === 0 ? NaN : ev(node.a) / d;
    }
    case 'neg':
      return -ev(node.a);
    case 'pow': {
      const a = ev(node.a);
      const b = ev(node.b);
      if (a < 0 && !Number.isInteger(b)) {
        // odd roots of negatives are real: (-8)^(1/3) = -2
        const inv = 1 / b;
        if (Math.abs(inv - Math.round(inv)) < 1e-9 && Math.round(inv) % 2 !== 0) return -Math.pow(-a, b);
        return NaN;
      }
      return Math.pow(a, b);
    }
    case 'fn': {
      const a = ev(node.args[0]!);
      const b = node.args.length > 1 ? ev(node.args[1]!) : NaN;
      switch (node.name) {
        case 'sqrt':
          return a < 0 ? NaN : Math.sqrt(a);
        case 'abs':
          return Math.abs(a);
        case 'sin':
          return Math.sin(a);
        case 'cos':
          return Math.cos(a);
        case 'tan':
          return Math.tan(a);
        case 'sec':
          return 1 / Math.cos(a);
        case 'csc':
          return 1 / Math.sin(a);
        case 'cot':
          return 1 / Math.tan(a);
        case 'arcsin':
          return Math.asin(a);
        case 'arccos':
          return Math.acos(a);
        case 'arctan':
          return Math.atan(a);
        case 'sinh':
          return Math.sinh(a);
        case 'cosh':
          return Math.cosh(a);
        case 'tanh':
          return Math.tanh(a);
        case 'exp':
          return Math.exp(a);
        case 'ln':
          return a <= 0 ? NaN : Math.log(a);
        case 'log':
          if (a <= 0) return NaN;
          // natural log without a base (as SymPy reads it); `\log_b x` carries its base as a second argument
          return node.args.length > 1 ? (b > 0 && b !== 1 ? Math.log(a) / Math.log(b) : NaN) : Math.log(a);
        case 'floor':
          return Math.floor(a);
        case 'ceil':
          return Math.ceil(a);
        case 'fact':
          return factorial(a);
        case 'binom': {
          if (!Number.isInteger(a) || !Number.isInteger(b)) return NaN;
          if (b < 0 || b > a) return 0;
          let r = 1;
          for (let k = 0; k < b && k < 1000; k++) r = (r * (a - k)) / (k + 1);
          return r;
        }
        case 'max':
          return Math.max(...node.args.map(ev));
        case 'min':
          return Math.min(...node.args.map(ev));
      }
      return NaN;
    }
    default:
      return NaN;
  }
}
