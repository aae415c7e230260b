import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorV1 } from '@aepo/contracts';
import { EXECUTOR_TOKEN } from '../../apps/api/src/testing/test-api.js';
import { parseJson, startCli } from '../cli-support/cli-runner.js';
import { readChart } from '../cli-support/chart-reader.js';
import { fakeStep, ScriptedExecutor } from '../cli-support/scripted-executor.js';
import { api, env, work, aepo, expectError, names, NO_SUCH_ID } from './fixture.js';

// Cases of cli.e2e-spec.ts: a job with recorded steps: watch, metrics, checkpoints, chart.
describe('a job with recorded steps: watch, metrics, checkpoints, chart', () => {
  const STEPS = 8;
  /** The job's name; the executor protocol below keys on its bare id. */
  let job = '';
  let executor: ScriptedExecutor;

  it('jobs watch follows the stream in plain lines and ends with the final state (exit 0)', async () => {
    executor = new ScriptedExecutor(api.executor, EXECUTOR_TOKEN);
    job = parseJson<{ job: { name: string } }>(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        names.dataset,
        '--target',
        '0.5',
        '--max-steps',
        String(STEPS),
        '--name',
        'watched',
        '--json',
      ]),
    ).job.name;
    const watch = startCli(['jobs', 'watch', job], env);
    const { jobId, attempt } = await executor.lease();
    for (let s = 1; s <= STEPS; s++) {
      await executor.heartbeat(jobId, attempt, [fakeStep(s)]);
      if (s % 4 === 0) {
        const r = fakeStep(s);
        await executor.checkpoint(
          jobId,
          attempt,
          s,
          r.entropy,
          Math.abs(r.entropy - 0.5) <= 0.05,
          r.rewardMean,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await executor.complete(jobId, attempt, executorV1.Outcome.OUTCOME_SUCCEEDED);
    const out = await watch.done;
    expect(out.code, out.stderr).toBe(0);
    const stepLines = out.stdout.split('\n').filter((l) => l.startsWith('step '));
    expect(stepLines).toHaveLength(STEPS);
    expect(stepLines[0]).toMatch(
      new RegExp(
        `^step 1/${STEPS}  entropy ${fakeStep(1).entropy.toFixed(4)}  target 0\\.500 \\[0\\.450,0\\.550\\] (in-band|above|below)  temp \\d\\.\\d\\d  reward 0\\.100  acc 0\\.080  step_time 0\\.32s`,
      ),
    );
    expect(out.stdout).toMatch(new RegExp(`job ${job} SUCCEEDED after ${STEPS}/${STEPS} steps`));
  });

  it('jobs watch --json replays the steps as NDJSON and ends with the job', async () => {
    const out = await aepo(['jobs', 'watch', job, '--json']);
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, STEPS).map((l) => l.record.step)).toEqual(
      Array.from({ length: STEPS }, (_, i) => i + 1),
    );
    expect(lines[STEPS].job.state).toBe('JOB_STATE_SUCCEEDED');
    const after = await aepo(['jobs', 'watch', job, '--json', '--after-step', '6']);
    expect(
      after.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).record?.step)
        .filter(Boolean),
    ).toEqual([7, 8]);
  });

  it('metrics: table, csv and json are the recorded steps', async () => {
    const table = await aepo(['metrics', job]);
    expect(table.stdout).toMatch(/^STEP\s+ENTROPY\s+TARGET\s+BAND\s+TEMP/);
    expect(table.stdout.trim().split('\n')).toHaveLength(STEPS + 1);

    const csv = (await aepo(['metrics', job, '--format', 'csv'])).stdout.trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['step', 'create_time', 'attempt', 'entropy']);
    expect(csv).toHaveLength(STEPS + 1);
    const row3 = Object.fromEntries(csv[3]!.split(',').map((v, i) => [header[i], v]));
    expect(Number(row3['step'])).toBe(3);
    expect(Number(row3['entropy'])).toBeCloseTo(fakeStep(3).entropy, 12);
    expect(Number(row3['reward_mean'])).toBeCloseTo(fakeStep(3).rewardMean, 12);

    const json = parseJson<{ job: string; records: { step: number; entropy: number; accuracy: number }[] }>(
      await aepo(['metrics', job, '--format', 'json', '--last', '2']),
    );
    expect(json.job).toBe(job);
    expect(json.records.map((r) => r.step)).toEqual([STEPS - 1, STEPS]);
    expect(json.records[1]!.accuracy).toBeCloseTo(fakeStep(STEPS).accuracy, 12);

    expectError(await aepo(['metrics', NO_SUCH_ID]), 15, /^aepo: NOT_FOUND: /);
    expect((await aepo(['metrics', job, '--format', 'xml'])).code).toBe(2);
  });

  it('checkpoints: table marks the best in band; json shape', async () => {
    const json = parseJson<{
      job: string;
      bestCheckpoint?: string;
      checkpoints: { step: number; name: string; inBand?: boolean }[];
    }>(await aepo(['checkpoints', job, '--json']));
    expect(json.job).toBe(job);
    expect(json.checkpoints.map((c) => c.step)).toEqual([4, 8]);
    expect(json.checkpoints.map((c) => c.name)).toEqual([`${job}/checkpoints/4`, `${job}/checkpoints/8`]);
    // Both saved steps lie in the band; the best is the one with the higher reward (step 8).
    expect(json.checkpoints.map((c) => c.inBand)).toEqual([true, true]);
    expect(json.bestCheckpoint).toBe(json.checkpoints[1]!.name);
    const table = await aepo(['checkpoints', job]);
    expect(table.stdout).toMatch(/^BEST\s+NAME\s+STEP\s+ENTROPY\s+IN_BAND/);
    expect(table.stdout).toMatch(new RegExp(`^\\*\\s+${json.bestCheckpoint}\\s+8\\s`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^\\s+${json.checkpoints[0]!.name}\\s+4\\s`, 'm'));
    expectError(await aepo(['checkpoints', NO_SUCH_ID]), 15, /^aepo: NOT_FOUND: /);
  });

  it('chart: the plotted points are the job’s step metrics; the PNG is a real image', async () => {
    const out = path.join(work, 'chart', 'entropy');
    const res = parseJson<{ svg: string; png: string }>(await aepo(['chart', job, '-o', out, '--json']));
    const svg = readFileSync(res.svg, 'utf8');
    const lines = readChart(svg);
    expect(lines.map((l) => l.job)).toEqual([job]);
    const plotted = lines[0]!.points;
    const recorded = parseJson<{ records: { step: number; entropy: number }[] }>(
      await aepo(['metrics', job, '--json']),
    ).records;
    expect(plotted).toHaveLength(recorded.length);
    plotted.forEach((p, i) => {
      expect(p.step).toBeCloseTo(recorded[i]!.step, 1);
      expect(p.entropy).toBeCloseTo(recorded[i]!.entropy, 2);
    });
    expect(svg).toContain('class="band"');
    const png = readFileSync(res.png);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1800); // width: the SVG's 900 px at 2x
  });

  it('watch exits 3 when the job ends other than SUCCEEDED', async () => {
    const cancelled = parseJson<{ job: { name: string } }>(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        names.dataset,
        '--target',
        '0.5',
        '--json',
      ]),
    ).job.name;
    const watch = startCli(['jobs', 'watch', cancelled], env);
    await new Promise((r) => setTimeout(r, 500));
    await aepo(['jobs', 'cancel', cancelled]);
    const out = await watch.done;
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(new RegExp(`job ${cancelled} CANCELLED`));
    expect(out.stderr.trim()).toBe(`aepo: job ${cancelled} ended CANCELLED`);
  });
});
