/**
 * bench:executor (run by test/bench/executor-bench.sh): the executor's overhead per step on the tiny
 * model, AEPO's step time over GRPO's in the same run, and the resident memory of the executor and its
 * engine through a long run. Real processes: the API (embedded Postgres), one executor with its engine.
 */
import { Algorithm, JobState, jobIdOf } from '@aepo/contracts';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import {
  PublicClient,
  buildApps,
  freePort,
  startApi,
  startExecutor,
  tinyArithRows,
  tinyJobSpec,
  waitFor,
} from '../support/executor-processes.js';

const RATIO_STEPS = Number(process.env.RATIO_STEPS ?? 25);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LONG_STEPS = Number(process.env.LONG_STEPS ?? 500);
const PROMPTS = Number(process.env.PROMPTS ?? 8);
const SAMPLES = Number(process.env.SAMPLES ?? 4);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface StepLine {
  jobId: string;
  step: number;
  wallSeconds: number;
  engineSeconds: number;
  checkpointSeconds: number;
  overheadSeconds: number;
}

/** RSS in bytes of a pid, or of every process in a process group. */
function rss(pid: number, group = false): number {
  const pids = group
    ? readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pid;
          } catch {
            return false;
          }
        })
        .map(Number)
    : [pid];
  let total = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // exited
    }
  }
  return total;
}

it('bench:executor', async () => {
  await buildApps();
  const dir = mkdtempSync(path.join(tmpdir(), 'aepo-executor-bench-'));
  const api = await startApi({
    dataDir: dir,
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    bootstrap: true,
    leaseTtlSeconds: 30,
  });
  const client = new PublicClient(api.grpcAddress, api.apiKey!);
  const ex = await startExecutor({
    name: 'bench',
    apiAddress: api.grpcAddress,
    checkpointDir: path.join(dir, 'checkpoints'),
    httpPort: await freePort(),
    env: { AEPO_EXECUTOR_LOG_LEVEL: 'info' },
  });
  // The executor logs the bare job id.
  const lines = (name: string): StepLine[] =>
    ex.proc.lines
      .filter((l) => l.includes('"step done"') && l.includes(jobIdOf(name)))
      .map((l) => JSON.parse(l) as StepLine);
  const run = async (algorithm: Algorithm, steps: number, checkpointEvery: number) => {
    const job = await client.createJob({
      spec: tinyJobSpec(dataset, {
        algorithm,
        maxSteps: steps,
        checkpointEvery,
        promptsPerStep: PROMPTS,
        samplesPerPrompt: SAMPLES,
        seed: 3,
      }),
      displayName: `bench ${algorithm}`,
      requestId: '',
      parent: '',
    });
    return job.name;
  };
  const dataset = await client.uploadDataset('bench', tinyArithRows(2000, 9));
  try {
    // 1. GRPO and AEPO jobs alternated (ROUNDS each, same seed and budget, checkpoint only at the
    //    end), so load from anything else on the machine hits both alike; medians over all their steps.
    const results: Record<
      string,
      { wall: number; engine: number; overhead: number; overheadShare: number; stepSeconds: number }
    > = {};
    const pooled: Record<string, { ls: StepLine[]; stepSeconds: number[] }> = {
      GRPO: { ls: [], stepSeconds: [] },
      AEPO: { ls: [], stepSeconds: [] },
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, alg] of [
        ['GRPO', Algorithm.ALGORITHM_GRPO],
        ['AEPO', Algorithm.ALGORITHM_AEPO],
      ] as const) {
        const id = await run(alg, RATIO_STEPS, 100_000);
        const end = await client.waitForState(
          id,
          [JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED],
          3_600_000,
        );
        expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
        // Warm-up: the first 3 steps of each job are left out, and the checkpointed last one.
        pooled[name]!.ls.push(...lines(id).filter((l) => l.step > 3 && l.checkpointSeconds === 0));
        pooled[name]!.stepSeconds.push(
          ...(await client.steps(id))
            .filter((r) => r.step > 3 && r.checkpointSeconds === 0)
            .map((r) => r.stepSeconds),
        );
      }
    }
    for (const [name, { ls, stepSeconds }] of Object.entries(pooled)) {
      results[name] = {
        wall: median(ls.map((l) => l.wallSeconds)),
        engine: median(ls.map((l) => l.engineSeconds)),
        overhead: median(ls.map((l) => l.overheadSeconds)),
        overheadShare: median(ls.map((l) => l.overheadSeconds / l.wallSeconds)),
        stepSeconds: median(stepSeconds),
      };
    }
    const ratio = results.AEPO!.wall / results.GRPO!.wall;
    const trainerRatio = results.AEPO!.stepSeconds / results.GRPO!.stepSeconds;

    // 2. A long AEPO run with checkpoints every 50 steps; RSS sampled every 2 s.
    const id = await run(Algorithm.ALGORITHM_AEPO, LONG_STEPS, 50);
    const enginePid = await waitFor('the engine pid', () => ex.enginePid());
    const samples: { step: number; executor: number; engine: number }[] = [];
    for (;;) {
      const job = await client.getJob(id);
      samples.push({ step: job.currentStep, executor: rss(ex.proc.pid), engine: rss(enginePid, true) });
      if (job.state === JobState.JOB_STATE_SUCCEEDED || job.state === JobState.JOB_STATE_FAILED) {
        expect(job.state, job.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    const at = (frac: number) => samples.find((s) => s.step >= frac * LONG_STEPS) ?? samples.at(-1)!;
    const mb = (b: number) => Math.round(b / 2 ** 20);
    const warm = samples.filter((s) => s.step >= 0.1 * LONG_STEPS);
    const longLines = lines(id).filter((l) => l.step > 3 && l.checkpointSeconds === 0);
    const summary = {
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      settings: { RATIO_STEPS, ROUNDS, LONG_STEPS, PROMPTS, SAMPLES, maxTokens: 8, engineThreads: 1 },
      grpo: results.GRPO,
      aepo: results.AEPO,
      aepoOverGrpo: ratio,
      aepoOverGrpoTrainerStep: trainerRatio,
      long: {
        steps: LONG_STEPS,
        medianWall: median(longLines.map((l) => l.wallSeconds)),
        medianOverhead: median(longLines.map((l) => l.overheadSeconds)),
        rssMiB: {
          executor: {
            at10: mb(at(0.1).executor),
            at50: mb(at(0.5).executor),
            end: mb(at(1).executor),
            maxAfterWarmup: mb(Math.max(...warm.map((s) => s.executor))),
          },
          engine: {
            at10: mb(at(0.1).engine),
            at50: mb(at(0.5).engine),
            end: mb(at(1).engine),
            maxAfterWarmup: mb(Math.max(...warm.map((s) => s.engine))),
          },
        },
      },
    };
    const out = process.env.BENCH_OUT ?? path.join(tmpdir(), 'aepo-executor-bench.json');
    writeFileSync(out, JSON.stringify({ summary, samples }, null, 1));
    console.log(`${JSON.stringify(summary, null, 2)}\nsamples: ${out}`);
  } finally {
    client.close();
    const engine = ex.enginePid();
    await ex.proc.stop(10_000);
    if (engine !== undefined) {
      try {
        process.kill(-engine, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await api.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
