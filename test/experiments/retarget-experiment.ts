/**
 * `npm run experiment:retarget`: how fast AEPO follows a target that jumps mid-run (issue 12 asks
 * within 50 steps). Two runs from the same initial weights on builtin:tiny-arith: the target jumps
 * from LOW to HIGH x H0 at SWITCH, and back the other way. Prints, per run, the steps after the jump
 * until the 5-step mean entropy is within 10% of the new target, the MAD over the last third, and
 * lambda (the dual controller's entropy coefficient) at the jump.
 * Environment: TESTBED (tiny-arith, the default, or tiny-cot: testbeds.ts), SEED (default 1), STEPS
 * (600), SWITCH (301), LOW (0.5), HIGH (0.8); PREFIX_DIR (a folder: the state before the jump is
 * saved there per run and resumed by the next experiment with the same testbed, seed and targets:
 * before the jump the target is constant, where no follow setting changes anything, retarget-runs.ts);
 * RECORDS (a file: every step record as JSON); FOLLOW (JSON overriding the dual controller's follow
 * settings, retarget.ts); COEF_LIMIT (lambda's clip; default the spec's 0.2).
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_FOLLOW } from '@aepo/aepo';
import { join } from 'node:path';
import { measureStartEntropy, tinyArith, withEngines } from './entropy-runs.js';
import { ENTROPY_COMMON, aepoSpec } from './entropy-settings.js';
import { runWithPrefix } from './retarget-runs.js';
import { testbed } from './testbeds.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const bed = testbed(process.env.TESTBED);
const common = { ...ENTROPY_COMMON, ...bed.common, seed: env('SEED', 1), steps: env('STEPS', 600) };
const switchStep = env('SWITCH', 301);

/** Steps from `from` (0-based index of the first step at the new target) until the 5-step mean is in a 10% band. */
function stepsToFollow(entropy: number[], target: number[], from: number): number | null {
  for (let i = from; i < entropy.length; i++) {
    const window = entropy.slice(Math.max(from, i - 4), i + 1);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    if (Math.abs(mean - target[i]!) <= 0.1 * target[i]!) return i - from + 1;
  }
  return null;
}

await withEngines(2, async (clients) => {
  const h0 = await measureStartEntropy(clients[0]!, common, tinyArith(64, 13));
  const low = +(env('LOW', 0.5) * h0).toFixed(3);
  const high = +(env('HIGH', 0.8) * h0).toFixed(3);
  const jump = (name: string, before: number, after: number) => {
    const followOverride = JSON.parse(process.env.FOLLOW ?? '{}') as Record<string, number>;
    const coefLimit = process.env.COEF_LIMIT ? { coefLimit: Number(process.env.COEF_LIMIT) } : {};
    const spec = aepoSpec(name, before, {
      controller: { ...coefLimit, follow: { ...DEFAULT_FOLLOW, ...followOverride } },
    });
    spec.config.entropy = {
      ...spec.config.entropy,
      target: {
        kind: 'piecewise',
        points: [
          { step: 1, value: before },
          { step: switchStep, value: after },
        ],
      },
    };
    return { common, spec };
  };
  const jobs = [jump(`${low} -> ${high}`, low, high), jump(`${high} -> ${low}`, high, low)];
  const prefixDir = process.env.PREFIX_DIR;
  const runs = await Promise.all(
    jobs.map((job, i) =>
      runWithPrefix(
        clients[i]!,
        job.common,
        job.spec,
        tinyArith(4000, 11),
        prefixDir
          ? {
              dir: join(prefixDir, `${bed.name}-seed${common.seed}-${job.spec.name.replace(/\W+/g, '_')}`),
              step: switchStep - 1,
            }
          : null,
      ),
    ),
  );
  if (process.env.RECORDS) writeFileSync(process.env.RECORDS, JSON.stringify(runs));
  console.log(
    `${bed.name}, seed ${common.seed}, H0 ${h0.toFixed(3)}, jump at step ${switchStep} of ${common.steps}`,
  );
  for (const r of runs) {
    const entropy = r.records.map((x) => x.entropy);
    const target = r.records.map((x) => x.target);
    const lastThird = r.records.slice(r.records.length - Math.floor(r.records.length / 3));
    const mad =
      lastThird.reduce((a, x) => a + Math.abs(x.entropy - x.target), 0) / lastThird.length / target.at(-1)!;
    const follow = stepsToFollow(entropy, target, switchStep - 1);
    console.log(
      `${r.name}: followed after ${follow ?? 'never'} steps; last-third MAD ${(100 * mad).toFixed(1)}%; ` +
        `lambda at the jump ${r.records[switchStep - 2]!.entropyCoef.toFixed(3)}, at the end ${r.records.at(-1)!.entropyCoef.toFixed(3)}`,
    );
  }
});
