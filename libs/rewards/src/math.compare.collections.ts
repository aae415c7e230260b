import type { Budget } from './budget.js';
import { exactValue, maxDecimals } from './expr.evaluate.js';
import type { Node } from './expr.types.js';

/**
 * Equality of two answer nodes, passed in by the comparer (nodesEqual) so that the collection and
 * relation rules can compare their elements without importing it back.
 */
export type NodeEquality = (gold: Node, pred: Node, budget: Budget) => boolean;

/** Perfect matching of two multisets under `eq` (greedy is exact here: equality is transitive). */
export function unorderedEqual<T>(as: T[], bs: T[], eq: (a: T, b: T) => boolean): boolean {
  if (as.length !== bs.length) return false;
  const used = new Array<boolean>(bs.length).fill(false);
  for (const a of as) {
    const j = bs.findIndex((b, k) => !used[k] && eq(a, b));
    if (j < 0) return false;
    used[j] = true;
  }
  return true;
}

export function orderedEqual<T>(as: T[], bs: T[], eq: (a: T, b: T) => boolean): boolean {
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
export function setsEqual(gs: Node[], ps: Node[], budget: Budget, nodesEqual: NodeEquality): boolean {
  const gk = exactKeys(gs, budget);
  const pk = gk && exactKeys(ps, budget);
  if (gk && pk) return gk.size === pk.size && [...gk].every((k) => pk.has(k));
  const dedupe = (items: Node[]): Node[] => {
    const out: Node[] = [];
    for (const x of items) if (!out.some((y) => nodesEqual(x, y, budget))) out.push(x);
    return out;
  };
  return unorderedEqual(dedupe(gs), dedupe(ps), (a, b) => nodesEqual(a, b, budget));
}
