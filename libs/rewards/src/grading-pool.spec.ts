import { describe, expect, it } from 'vitest';
import { grade } from './grade.js';
import { GradingPool, resolveWorkerUrl } from './grading-pool.js';
import { CORPUS } from './math.corpus.js';

// Worker threads run compiled JS: this test uses the built dist (npm test builds first).
describe('GradingPool', () => {
  it('finds the compiled worker script', () => {
    expect(resolveWorkerUrl().pathname).toMatch(/dist\/grading\.worker\.js$/);
  });

  it('grades a batch in order with the same results as grade()', async () => {
    const pool = new GradingPool({ workers: 2, chunkSize: 16 });
    try {
      const items = CORPUS.map((r) => ({ pred: r.pred, gold: r.gold }));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const results = await pool.gradeBatch(items);
      clearInterval(timer);
      expect(results).toEqual(items.map((it) => grade(it.pred, it.gold)));
      expect(results.map((r) => r?.score)).toEqual(CORPUS.map((r) => (r.match ? 1 : 0)));
      expect(ticks).toBeGreaterThan(0); // the event loop kept running while workers graded
    } finally {
      await pool.close();
    }
  });

  it('scores a chunk 0 with reason timeout when its worker hangs, then keeps working', async () => {
    const pool = new GradingPool({
      workers: 1,
      workerUrl: new URL('../test/hang.worker.mjs', import.meta.url),
      watchdogMs: { base: 500, perItem: 0 },
    });
    try {
      const r = await pool.gradeBatch([{ pred: '1', gold: '1' }]);
      expect(r).toEqual([{ score: 0, reason: 'timeout' }]);
    } finally {
      await pool.close();
    }
  });
});
