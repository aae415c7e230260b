import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Budget, BudgetExceeded } from './budget.js';
import { grade } from './grade.js';
import { LIMITS } from './limits.js';
import { CORPUS } from './math.corpus.js';

/** Busy threads on every core; each says when it starts spinning. */
async function saturate(): Promise<Worker[]> {
  const n = Math.max(2, availableParallelism());
  const spin = `require('node:worker_threads').parentPort.postMessage('spinning'); for (;;) {}`;
  const workers = Array.from({ length: n }, () => new Worker(spin, { eval: true }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  return workers;
}

const seq = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

/** Grades that spend much or all of the work budget: the ones a wall clock would flip under load. */
const HEAVY: { pred: string; gold: string }[] = [
  // 80 symbolic elements against 79: pairwise matching runs out of budget (`timeout`)
  {
    pred: `\\boxed{${seq(80).map((i) => `x+${i}`)}}`,
    gold: seq(79)
      .map((i) => `x+${i}`)
      .join(','),
  },
  // 30 symbolic elements in reverse order: valid, about a third of the budget
  {
    pred: `\\boxed{${seq(30).map((i) => `x+${i}`)}}`,
    gold: seq(30)
      .reverse()
      .map((i) => `x+${i}`)
      .join(','),
  },
  // a long polynomial in another order: valid, thousands of units
  {
    pred: `\\boxed{${seq(100, 0)
      .map((i) => `x^{${i}}`)
      .join('+')}}`,
    gold: seq(100, 0)
      .reverse()
      .map((i) => `x^{${i}}`)
      .join('+'),
  },
  { pred: `\\boxed{${seq(120).reverse().join(',')}}`, gold: seq(120).join(', ') },
  { pred: '\\boxed{' + '('.repeat(95) + 'x+1' + ')'.repeat(95) + '^2}', gold: 'x^2+2x+1' },
];

describe('verdicts do not depend on machine load', () => {
  it('the work budget stops at the same unit every time', () => {
    const b = new Budget(10);
    for (let i = 0; i < 10; i++) b.check();
    expect(() => b.check()).toThrow(BudgetExceeded);
    expect(b.used).toBe(11);
    expect(LIMITS.workUnits).toBeGreaterThan(0);
  });

  it('grades the corpus and budget-heavy inputs the same on an idle and a saturated machine', async () => {
    const items = [...CORPUS.map((r) => ({ pred: r.pred, gold: r.gold })), ...HEAVY];
    const idle = items.map((it) => grade(it.pred, it.gold));
    // the heavy inputs really reach the budget: a clock-based limit would be at stake here
    expect(idle.slice(CORPUS.length).map((r) => r?.reason)).toEqual([
      'timeout',
      'equal:boxed',
      'equal:boxed',
      'equal:boxed',
      'equal:boxed',
    ]);
    const spinners = await saturate();
    try {
      const busy = items.map((it) => grade(it.pred, it.gold));
      expect(busy).toEqual(idle);
    } finally {
      await Promise.all(spinners.map((w) => w.terminate()));
    }
  }, 120_000);
});
