/* global console, process */
// Side-by-side: grades the rewards corpus with @aepo/rewards and with Math-Verify (bench-only uv
// project beside this file) and prints agreement with the expected verdicts, the disagreements
// between the two, and grades/s of each in the same run. Run: npm run bench:rewards:compare
// Extra corpora the project does not hold: EXTRA_CORPUS=a.jsonl,b.json (rows {gold, pred, match}).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { grade } from '../../../libs/rewards/dist/index.js';
import { CORPUS } from '../../../libs/rewards/dist/math.corpus.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Ours: grades/s over repeated passes for at least `ms`. */
function oursRate(rows, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (const r of rows) grade(r.pred, r.gold);
    n += rows.length;
  }
  return { n, s: (performance.now() - t0) / 1000 };
}

/** Math-Verify in its own environment: scores and the seconds its grading loop took. */
function mathVerify(rows) {
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
  const { total_s: seconds } = lines.pop();
  return { scores: lines.map((l) => l.score), seconds };
}

function summary(rows, name, scores, rate) {
  let agree = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((r, i) => {
    if ((scores[i] === 1) === r.match) agree++;
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
    'grades/s': Math.round(rate),
  };
}

const clip = (s) => JSON.stringify(s.length > 90 ? `${s.slice(0, 60)}…${s.slice(-25)}` : s);

function compare(title, rows) {
  const ours = rows.map((r) => grade(r.pred, r.gold)?.score ?? 0);
  // half of our timing before and half after Math-Verify, so both see the same machine load
  const before = oursRate(rows, 2_000);
  const mv = mathVerify(rows);
  const after = oursRate(rows, 2_000);
  const oursGps = (before.n + after.n) / (before.s + after.s);
  const mvGps = rows.length / mv.seconds;
  console.log(
    `\n=== ${title} ===\nDisagreements between @aepo/rewards and Math-Verify (expected verdict in brackets):`,
  );
  rows.forEach((r, i) => {
    if (ours[i] !== mv.scores[i])
      console.log(
        `  [${r.match ? 'match' : 'no match'}] ours=${ours[i]} math-verify=${mv.scores[i]}  gold ${clip(r.gold)}  pred ${clip(r.pred)}  (${r.why ?? ''})`,
      );
  });
  console.table([
    summary(rows, '@aepo/rewards', ours, oursGps),
    summary(rows, 'math-verify 0.9.0', mv.scores, mvGps),
  ]);
  console.log(`speed ratio (ours / Math-Verify, one core each): ${Math.round(oursGps / mvGps)}x`);
}

function readRows(path) {
  const text = readFileSync(path, 'utf8').trim();
  const rows = text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((l) => JSON.parse(l));
  return rows.map((r) => ({ gold: String(r.gold), pred: String(r.pred), match: !!r.match, why: r.why }));
}

compare(
  'libs/rewards corpus',
  CORPUS.map((r) => ({ gold: r.gold, pred: r.pred, match: r.match, why: r.why })),
);
for (const path of (process.env.EXTRA_CORPUS ?? '').split(',').filter(Boolean)) compare(path, readRows(path));
