/**
 * `npm run experiment:entropy`: the paper's central picture at small scale. Trains GRPO, Entropy-Reg,
 * Entropy-Adv and AEPO at five targets (the 'dual' controller and the paper's bang-bang rule) from the
 * same initial weights on a built-in testbed (TESTBED=tiny-arith, the default, or tiny-cot; see
 * testbeds.ts), then writes docs/results/entropy.{svg,png,md,json} (tiny-cot: entropy-tiny-cot.*).
 * Settings come from the environment (SEEDS="1 2 3", STEPS, ENGINES, CONTROLLERS, TARGETS, and
 * BASELINES=0 to leave the baselines out).
 */
import type { AepoConfig } from '@aepo/aepo';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CommonSettings,
  type RunResult,
  type RunSpec,
  measureStartEntropy,
  runAll,
  tinyArith,
  withEngines,
} from './entropy-runs.js';
import { summarize } from './entropy-summary.js';
import { type Series, lineChartSvg } from './svg-chart.js';
import { ENTROPY_COMMON, aepoSpec, baselineSpecs } from './entropy-settings.js';
import { testbed } from './testbeds.js';

const seeds = (process.env.SEEDS ?? '1')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
const steps = Number(process.env.STEPS ?? ENTROPY_COMMON.steps);
const engines = Number(process.env.ENGINES ?? 2);
const out = process.env.OUT_DIR ?? 'docs/results';
const bed = testbed(process.env.TESTBED);
/** The budget every run of a seed shares, on this testbed's model. */
const testbedCommon: CommonSettings = { ...ENTROPY_COMMON, ...bed.common };

/**
 * Five targets spread from half of GRPO's resting entropy (about 0.6 H0 on tiny-arith, so 0.3 H0) to
 * 1.3x the start, as fractions of the initial entropy H0.
 */
export const EXPERIMENT_TARGET_FRACTIONS = [0.3, 0.55, 0.8, 1.05, 1.3] as const;
/** Which AEPO controllers run at every target (CONTROLLERS="dual bang-bang", default both). */
const controllers = (process.env.CONTROLLERS ?? 'dual bang-bang').split(/[\s,]+/).filter(Boolean);
/** Target fractions (TARGETS="0.3 0.8", default EXPERIMENT_TARGET_FRACTIONS). */
const fractions = process.env.TARGETS
  ? process.env.TARGETS.split(/[\s,]+/)
      .filter(Boolean)
      .map(Number)
  : [...EXPERIMENT_TARGET_FRACTIONS];

/** Runs of one seed: the baselines, then every controller at every target (fractions of h0). */
function specsFor(h0: number): RunSpec[] {
  const t = (f: number) => +(f * h0).toFixed(3);
  return [
    ...(process.env.BASELINES === '0' ? [] : baselineSpecs()),
    ...controllers.flatMap((mode) =>
      fractions.map((f) =>
        aepoSpec(`AEPO-${mode} H*=${t(f)} (${f} H0)`, t(f), {
          controller: { mode: mode as AepoConfig['controller']['mode'] },
        }),
      ),
    ),
  ];
}

const colors = [
  '#444444',
  '#e6194b',
  '#f58231',
  '#3cb44b',
  '#4363d8',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#9a6324',
  '#808000',
];

function smooth(ys: number[], w: number): number[] {
  return ys.map((_, i) => {
    const part = ys.slice(Math.max(0, i - w + 1), i + 1);
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
}

function versions(): string {
  const pkg = (p: string) => (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  const git = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const torch = (() => {
    try {
      return execFileSync(
        'uv',
        [
          'run',
          '--frozen',
          '--project',
          'apps/gpu-executor/engine',
          'python',
          '-c',
          'import torch, transformers; print(torch.__version__, transformers.__version__)',
        ],
        {
          encoding: 'utf8',
        },
      ).trim();
    } catch {
      return 'unknown';
    }
  })();
  return `git ${git}; @aepo/aepo ${pkg('libs/aepo/package.json')}; node ${process.version}; torch/transformers ${torch}`;
}

async function main(): Promise<void> {
  const train = tinyArith(4000, 11);
  const validation = tinyArith(200, 12);
  const t0 = performance.now();
  const h0s: Record<number, number> = {};
  const results: RunResult[] = await withEngines(engines, async (clients) => {
    const jobs: { common: CommonSettings; spec: RunSpec }[] = [];
    for (const seed of seeds) {
      const common: CommonSettings = { ...testbedCommon, steps, seed };
      h0s[seed] = await measureStartEntropy(clients[0]!, common, tinyArith(64, 13));
      console.error(`seed ${seed}: initial entropy ${h0s[seed]!.toFixed(3)}`);
      jobs.push(...specsFor(h0s[seed]!).map((spec) => ({ common, spec })));
    }
    return runAll(clients, jobs, { train, validation }, (r) => {
      const s = summarize(r.records, r.target);
      console.error(
        `${r.name} seed ${r.seed}: last-third ${s.lastThirdMean.toFixed(3)} acc ${s.finalAccuracy.toFixed(3)} (${r.seconds.toFixed(0)} s)`,
      );
    });
  });
  const wall = (performance.now() - t0) / 1000;
  mkdirSync(out, { recursive: true });

  const panels = seeds.flatMap((seed) => {
    const mine = results.filter((r) => r.seed === seed);
    const series = (f: (r: RunResult) => number[], w: number): Series[] =>
      mine.map((r, i) => ({
        name: r.name,
        color: colors[i % colors.length]!,
        dashed: r.name.includes('bang-bang'),
        points: smooth(f(r), w).map((y, j) => ({ x: j + 1, y })),
      }));
    const targets = [...new Set(mine.map((r) => r.target).filter((t): t is number => t !== null))];
    return [
      {
        title: `Policy entropy (full-vocabulary, nats/token, T=1 samples), seed ${seed}; dashed: targets`,
        yLabel: 'entropy',
        series: series((r) => r.records.map((x) => x.entropy), 1),
        hlines: targets.map((t) => ({ y: t, color: '#999', label: String(t) })),
      },
      {
        title: `On-policy T=1 accuracy (moving mean of 10 steps), seed ${seed}`,
        yLabel: 'accuracy',
        series: series((r) => r.records.map((x) => x.accuracy), 10),
      },
    ];
  });
  const svg = lineChartSvg(panels, {
    title: `Entropy control on ${testbedCommon.model}: GRPO vs Entropy-Reg vs Entropy-Adv vs AEPO`,
  });
  writeFileSync(join(out, `${bed.outputStem}.svg`), svg);
  let png = false;
  try {
    // @resvg/resvg-js is a dependency of the CLI (hoisted); without it the PNG is skipped.
    const { Resvg } = await import('@resvg/resvg-js');
    writeFileSync(
      join(out, `${bed.outputStem}.png`),
      new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng(),
    );
    png = true;
  } catch (e) {
    console.error(`no PNG: ${(e as Error).message}`);
  }

  const rows = results.map((r) => {
    const s = summarize(r.records, r.target);
    const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
    const lastEval = r.evaluations.at(-1);
    return `| ${r.name} | ${r.seed} | ${r.target ?? '-'} | ${s.startEntropy.toFixed(3)} | ${s.lastThirdMean.toFixed(3)} | ${pct(s.meanErrorRelative)} | ${pct(s.madRelative)} | ${pct(s.inBandFraction)} | ${s.reinforceMean.toFixed(1)} | ${(r.records.at(-1)?.entropyCoef ?? 0).toFixed(4)} | ${s.finalAccuracy.toFixed(3)} | ${lastEval ? lastEval.accuracy.toFixed(3) : '-'} | ${lastEval ? (lastEval.passAtK['4'] ?? 0).toFixed(3) : '-'} | ${s.unreachableSteps} | ${s.secondsPerStep.toFixed(2)} |`;
  });
  const md = [
    `# Entropy control at small scale (${testbedCommon.model}, CPU)`,
    '',
    `Command: \`${bed.name === 'tiny-arith' ? '' : `TESTBED=${bed.name} `}SEEDS="${seeds.join(' ')}" STEPS=${steps} ENGINES=${engines} npm run experiment:entropy\` (${wall.toFixed(0)} s wall on this machine).`,
    `Versions: ${versions()}.`,
    `Initial entropy H0 (T=1 samples of 64 prompts x ${testbedCommon.samplesPerPrompt}): ${seeds.map((s) => `seed ${s}: ${h0s[s]!.toFixed(3)}`).join(', ')}; targets are fractions of it.`,
    `Budget per run: ${steps} steps x ${testbedCommon.promptsPerStep} prompts x ${testbedCommon.samplesPerPrompt} samples (at most ${testbedCommon.maxTokens} tokens each), lr ${testbedCommon.lr}, same initial weights (${testbedCommon.model}, seed = run seed) for every run of a seed.`,
    "Entropy: token-mean full-vocabulary entropy of the step's on-policy T=1 samples (the controller signal). Last third = the last floor(steps/3) steps. Tracking error = |last-third mean - H*| / H*; MAD = mean |H - H*| / H* over the last third; band = 10% of H*. Final accuracy = on-policy T=1 accuracy over the last tenth of the steps; validation = pass@1 / unbiased pass@4 on 200 held-out prompts at T=1 after the last step.",
    '',
    `![entropy over steps](${bed.outputStem}.svg)${png ? ` (also ${bed.outputStem}.png)` : ''}`,
    '',
    '| run | seed | H* | start H | last-third H | tracking error | MAD | in band | REINFORCE/step | final lambda | final acc | val pass@1 | val pass@4 | unreachable steps | s/step |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(join(out, `${bed.outputStem}.md`), md);
  writeFileSync(
    join(out, `${bed.outputStem}-runs.json`),
    JSON.stringify(
      results.map((r) => ({
        name: r.name,
        seed: r.seed,
        target: r.target,
        entropy: r.records.map((x) => +x.entropy.toFixed(4)),
        accuracy: r.records.map((x) => +x.accuracy.toFixed(4)),
        temperature: r.records.map((x) => x.temperature),
        entropyCoef: r.records.map((x) => +x.entropyCoef.toFixed(5)),
        reinforce: r.records.map((x) => x.reinforceSamples),
        evaluations: r.evaluations,
      })),
    ),
  );
  console.log(md);
}

await main();
