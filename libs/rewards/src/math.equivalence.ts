import type { Budget } from './budget.js';
import { Rational } from './rational.js';

/** Temporary first version: numbers and normalised strings. */
export function normalizeSimple(s: string): string {
  return s
    .replace(/\$/g, '')
    .replace(/\\[,!;: ]/g, '')
    .replace(/\\left|\\right/g, '')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\s+/g, '')
    .replace(/\.$/, '');
}

function parseNumber(s: string): Rational | null {
  const t = s.replace(/^\+/, '').replace(/(\d),(?=\d{3}\b)/g, '$1');
  const f = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(t) ?? /^(-?)(\d+)\/(\d+)$/.exec(t);
  if (f) {
    const d = BigInt(f[3]!);
    if (d === 0n) return null;
    const r = Rational.of(BigInt(f[2]!), d);
    return f[1] === '-' ? r.neg() : r;
  }
  return Rational.parseDecimal(t);
}

export function mathEqual(pred: string, gold: string, _budget: Budget): boolean {
  const p = normalizeSimple(pred);
  const g = normalizeSimple(gold);
  if (p === g) return true;
  const pn = parseNumber(p);
  const gn = parseNumber(g);
  if (pn && gn) return pn.equals(gn);
  return false;
}
