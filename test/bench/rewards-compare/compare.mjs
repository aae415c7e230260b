/* global console, process */
// Side-by-side: grades the rewards corpus with @aepo/rewards and with Math-Verify (bench-only uv
// project beside this file) and prints agreement with the expected verdicts, the disagreements
// between the two, and grades/s of each in the same run. Run: npm run bench:rewards:compare
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { grade } from '../../../libs/rewards/dist/index.js';
import { CORPUS } from '../../../libs/rewards/dist/math.corpus.js';

const here = dirname(fileURLToPath(import.meta.url));
const rows = CORPUS.map((r) => ({ gold: r.gold, pred: r.pred, match: r.match, why: r.why }));

// ours: verdicts once, then grades/s over repeated passes, half before and half after the
// Math-Verify run so both see the same machine load
const ours = rows.map((r) => grade(r.pred, r.gold)?.score ?? 0);
function oursRate(ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (const r of rows) grade(r.pred, r.gold);
    n += rows.length;
  }
  return { n, s: (performance.now() - t0) / 1000 };
}
const before = oursRate(2_000);

// Math-Verify in its own environment, same rows
const input = rows.map((r) => JSON.stringify({ gold: r.gold, pred: r.pred })).join('\n');
const py = spawnSync('uv', ['run', '--frozen', '--project', here, 'python', `${here}/mv_grade.py`], {
  input,
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
if (py.status !== 0) {
  console.error(py.stderr);
  process.exit(1);
}
const lines = py.stdout
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const { total_s: mvSeconds } = lines.pop();
const mv = lines.map((l) => l.score);
const mvRate = rows.length / mvSeconds;
const after = oursRate(2_000);
const oursGps = (before.n + after.n) / (before.s + after.s);

function summary(name, scores) {
  let agree = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((r, i) => {
    const ok = (scores[i] === 1) === r.match;
    if (ok) agree++;
    else if (r.match) fn++;
    else fp++;
  });
  return {
    grader: name,
    pairs: rows.length,
    agree,
    'agreement %': +((100 * agree) / rows.length).toFixed(1),
    'false positives': fp,
    'false negatives': fn,
  };
}

const clip = (s) => JSON.stringify(s.length > 90 ? `${s.slice(0, 60)}…${s.slice(-25)}` : s);
console.log('\nDisagreements between @aepo/rewards and Math-Verify (expected verdict in brackets):');
rows.forEach((r, i) => {
  if (ours[i] !== mv[i])
    console.log(
      `  [${r.match ? 'match' : 'no match'}] ours=${ours[i]} math-verify=${mv[i]}  gold ${clip(r.gold)}  pred ${clip(r.pred)}  (${r.why})`,
    );
});
console.log('');
console.table([
  { ...summary('@aepo/rewards', ours), 'grades/s': Math.round(oursGps) },
  { ...summary('math-verify 0.9.0', mv), 'grades/s': Math.round(mvRate) },
]);
console.log(`speed ratio (ours / Math-Verify, one core each): ${Math.round(oursGps / mvRate)}x`);
