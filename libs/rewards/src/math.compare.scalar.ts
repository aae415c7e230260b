import type { Budget } from './budget.js';
import { exactValue, freeSymbols, maxDecimals, numericValue } from './expr.evaluate.js';
import type { Node } from './expr.types.js';
import { hugeValuesEqual } from './log.magnitude.js';

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

/** The values of the free variables at sample point `p`: each variable at its own offset. */
function pointEnv(names: readonly string[], p: number): Map<string, number> {
  const env = new Map<string, number>();
  names.forEach((n, i) => env.set(n, POINTS[(p + i * 3) % POINTS.length]! + i * 0.0917));
  return env;
}

/** An expression without variables (`3`, `\sqrt{2}`, `\pi/2`). */
export function isConstant(n: Node): boolean {
  return freeSymbols(n).size === 0;
}

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
    const env = pointEnv(names, p);
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

/** f ≡ k·g for a constant k (k > 0 for inequalities): the same equation or inequality. */
export function proportional(f: Node, g: Node, positive: boolean, budget: Budget): boolean {
  const names = [...new Set([...freeSymbols(f), ...freeSymbols(g)])];
  if (names.length === 0) return false;
  let k: number | null = null;
  let valid = 0;
  for (let p = 0; p < POINTS.length; p++) {
    const env = pointEnv(names, p);
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
