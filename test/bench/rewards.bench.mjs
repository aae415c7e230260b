/* global console */
// Grades/s of @aepo/rewards on one core (inline) and through GradingPool. Runs the built dist:
//   npm run bench:rewards            (builds libs/rewards first)
// Prints medians of REPEATS runs per workload.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { grade, GradingPool } from '../../libs/rewards/dist/index.js';
import { CORPUS } from '../../libs/rewards/dist/math.corpus.js';

const REPEATS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const numeric = [];
for (let a = 0; a < 100; a++) {
  const s = a + ((a * 37) % 100);
  numeric.push({ pred: [` ${s}`, `0${s}`, `${s + 1}`, `  ${s}`][a % 4], gold: `${s}` });
  numeric.push({
    pred: `We add them: ${a} + ${(a * 37) % 100} = ${s}. The final answer is \\boxed{${s}}.`,
    gold: `${s}`,
  });
}
const symbolic = [];
for (let k = 1; k <= 50; k++) {
  symbolic.push({ pred: `\\boxed{x^2+${2 * k}x+${k * k}}`, gold: `(x+${k})^2` });
  symbolic.push({ pred: `\\boxed{\\frac{\\sqrt{${k * k * 2}}}{2}}`, gold: `\\frac{${k}}{\\sqrt{2}}` });
  symbolic.push({ pred: `\\boxed{(${k}, \\infty)}`, gold: `x > ${k}` });
}
const mixed = CORPUS.map((r) => ({ pred: r.pred, gold: r.gold }));

function inline(items, minMs = 400) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (const it of items) grade(it.pred, it.gold);
    n += items.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function pooled(pool, items, copies = 20) {
  const batch = [];
  for (let c = 0; c < copies; c++) batch.push(...items);
  const t0 = performance.now();
  await pool.gradeBatch(batch);
  return batch.length / ((performance.now() - t0) / 1000);
}

const workers = Math.max(1, availableParallelism());
const pool = new GradingPool({ workers, chunkSize: 128 });
await pooled(pool, mixed, 2); // warm the workers
const rows = [];
for (const [name, items] of [
  ['plain numeric', numeric],
  ['symbolic', symbolic],
  ['mixed corpus', mixed],
]) {
  inline(items, 200); // warm-up
  const one = [];
  const many = [];
  for (let r = 0; r < REPEATS; r++) {
    one.push(inline(items));
    many.push(await pooled(pool, items));
  }
  rows.push({
    workload: name,
    items: items.length,
    'one core grades/s': Math.round(median(one)),
    [`pool (${workers} workers) grades/s`]: Math.round(median(many)),
  });
}
await pool.close();
console.table(rows);
