import type { Budget } from './budget.js';
import { exactValue, numericValue } from './expr.evaluate.js';
import type { Node } from './expr.types.js';
import type { Rational } from './rational.js';

/** A non-zero real as sign · e^log; lets values far beyond the float range be compared. */
export interface LogMagnitude {
  sign: 1 | -1;
  log: number;
}

function ofNumber(x: number): LogMagnitude | null {
  if (x === 0 || !Number.isFinite(x)) return null;
  return { sign: x < 0 ? -1 : 1, log: Math.log(Math.abs(x)) };
}

/** ln |q| for a rational of any size: the top 64 bits of each part and the shift. */
function logOfRational(q: Rational): LogMagnitude | null {
  if (q.isZero()) return null;
  const lnAbs = (x: bigint): number => {
    if (x < 0n) x = -x;
    const bits = x.toString(16).length * 4;
    const shift = Math.max(0, bits - 64);
    return Math.log(Number(x >> BigInt(shift))) + shift * Math.LN2;
  };
  return { sign: q.num < 0n ? -1 : 1, log: lnAbs(q.num) - lnAbs(q.den) };
}

/**
 * sign and ln|value| of a constant expression built from products, quotients, powers and sums of
 * same-sign terms; null for anything else (then no huge-value verdict is given).
 */
export function logMagnitude(n: Node, budget: Budget): LogMagnitude | null {
  budget.check();
  const exact = exactValue(n, budget);
  if (exact) return logOfRational(exact);
  const x = numericValue(n, new Map(), budget);
  if (Number.isFinite(x)) return ofNumber(x);
  switch (n.t) {
    case 'neg': {
      const a = logMagnitude(n.a, budget);
      return a && { sign: -a.sign as 1 | -1, log: a.log };
    }
    case 'mul':
    case 'div': {
      const a = logMagnitude(n.a, budget);
      const b = a && logMagnitude(n.b, budget);
      if (!a || !b) return null;
      return { sign: (a.sign * b.sign) as 1 | -1, log: n.t === 'mul' ? a.log + b.log : a.log - b.log };
    }
    case 'pow': {
      const a = logMagnitude(n.a, budget);
      if (!a) return null;
      const e = exactValue(n.b, budget);
      const b = e ? e.toNumber() : numericValue(n.b, new Map(), budget);
      if (!Number.isFinite(b)) {
        // a tower such as 10^{10^{400}}: compare ln ln of both when the base exceeds 1
        return null;
      }
      if (a.sign < 0 && !(e && e.isInteger())) return null;
      const odd = e !== null && e.isInteger() && e.num % 2n !== 0n;
      return { sign: a.sign < 0 && odd ? -1 : 1, log: a.log * b };
    }
    case 'add':
    case 'sub': {
      const a = logMagnitude(n.a, budget);
      const b0 = a && logMagnitude(n.b, budget);
      if (!a || !b0) return null;
      const b = n.t === 'sub' ? { sign: -b0.sign as 1 | -1, log: b0.log } : b0;
      const [hi, lo] = a.log >= b.log ? [a, b] : [b, a];
      const ratio = Math.exp(lo.log - hi.log); // ≤ 1
      if (a.sign === b.sign) return { sign: hi.sign, log: hi.log + Math.log1p(ratio) };
      // opposite signs: only when one term dominates, else cancellation makes the log meaningless
      if (ratio > 1e-3) return null;
      return { sign: hi.sign, log: hi.log + Math.log1p(-ratio) };
    }
    default:
      return null;
  }
}

/**
 * Two values at least one of which is beyond the float range: equal when signs agree and the
 * logarithms agree to `rel` (13 significant digits of ln|x|); 10^400 and 10^500 differ.
 */
export function hugeValuesEqual(a: Node, b: Node, rel: number, budget: Budget): boolean {
  const la = logMagnitude(a, budget);
  const lb = logMagnitude(b, budget);
  if (!la || !lb || la.sign !== lb.sign) return false;
  return Math.abs(la.log - lb.log) <= rel * Math.max(1, Math.abs(la.log), Math.abs(lb.log));
}
