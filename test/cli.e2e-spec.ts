import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorV1 } from '@aepo/contracts';
import { ADMIN_TOKEN, EXECUTOR_TOKEN, startTestApi, type TestApi } from '../apps/api/src/testing/test-api.js';
import {
  buildCli,
  cliEnv,
  parseJson,
  removeCliEnvs,
  runCli,
  startCli,
  type CliResult,
} from './cli-support/cli-runner.js';
import { readChart } from './cli-support/chart-reader.js';
import { fakeStep, ScriptedExecutor } from './cli-support/scripted-executor.js';

// The real `aepo` bin (child processes) against a real API on an embedded Postgres (one per file).
let api: TestApi;
let env: Record<string, string>;
const work = mkdtempSync(path.join(tmpdir(), 'aepo-cli-e2e-'));
const aepo = (args: string[], input?: string) => runCli(args, env, { input });

function expectError(r: CliResult, exitCode: number, pattern: RegExp): void {
  expect(r.code, r.stderr + r.stdout).toBe(exitCode);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

function tinyArith(n: number): string {
  return Array.from({ length: n }, (_, i) => {
    const a = (i * 37) % 100;
    const b = (i * 53 + 11) % 100;
    return JSON.stringify({ prompt: `${a}+${b}=`, answer: String(a + b) });
  }).join('\n');
}

beforeAll(async () => {
  await Promise.all([buildCli(), (async () => (api = await startTestApi()))()]);
  env = cliEnv({ AEPO_ENDPOINT: api.api.grpcAddress, AEPO_ADMIN_TOKEN: ADMIN_TOKEN });
}, 300_000);

afterAll(async () => {
  await api?.close();
  removeCliEnvs();
  rmSync(work, { recursive: true, force: true });
});

describe('aepo config', () => {
  it('stores the endpoint and key in a 0600 file; env beats the file; flags beat env', async () => {
    const own = cliEnv();
    const set = await runCli(
      ['config', 'set', '--endpoint', '10.0.0.1:1234', '--api-key', 'secret-key-123456'],
      own,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(statSync(own.AEPO_CONFIG!).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(own.AEPO_CONFIG!, 'utf8'))).toEqual({
      endpoint: '10.0.0.1:1234',
      apiKey: 'secret-key-123456',
    });

    const shown = parseJson<Record<string, { value: string; source: string }>>(
      await runCli(['config', 'show', '--json'], { ...own, AEPO_ENDPOINT: 'env-host:9' }),
    );
    expect(shown['endpoint']).toEqual({ value: 'env-host:9', source: 'env' });
    expect(shown['apiKey']!.source).toBe('file');
    expect(shown['apiKey']!.value).not.toContain('secret-key-123456');
    expect(shown['adminToken']!.source).toBe('unset');

    const flagged = parseJson<Record<string, { value: string; source: string }>>(
      await runCli(['--endpoint', 'flag-host:7', 'config', 'show', '--json'], {
        ...own,
        AEPO_ENDPOINT: 'env-host:9',
      }),
    );
    expect(flagged['endpoint']).toEqual({ value: 'flag-host:7', source: 'flag' });

    const table = await runCli(['config'], own);
    expect(table.stdout).toMatch(/endpoint\s+10\.0\.0\.1:1234\s+file/);

    const unset = await runCli(['config', 'unset', 'api-key'], own);
    expect(unset.code).toBe(0);
    expect(JSON.parse(readFileSync(own.AEPO_CONFIG!, 'utf8'))).toEqual({ endpoint: '10.0.0.1:1234' });
  });

  it('rejects an empty set and unknown keys (usage errors, exit 2)', async () => {
    const own = cliEnv();
    expectError(await runCli(['config', 'set'], own), 2, /^aepo: nothing to set/);
    expectError(await runCli(['config', 'unset', 'colour'], own), 2, /^aepo: unknown key "colour"/);
  });
});

let projectId = '';
let datasetId = '';

describe('aepo admin', () => {
  it('creates a project (table and --json) and a key saved to the config', async () => {
    const table = await aepo(['admin', 'create-project', 'cli table project']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^project:\s+[0-9a-f-]{36}$/m);

    const created = parseJson<{ project: { id: string; displayName: string; createTime: string } }>(
      await aepo(['admin', 'create-project', 'cli e2e', '--json']),
    );
    expect(created.project.displayName).toBe('cli e2e');
    expect(created.project.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.project.createTime))).toBe(false);
    projectId = created.project.id;

    const key = parseJson<{ apiKey: { id: string; projectId: string; prefix: string }; secret: string }>(
      await aepo(['admin', 'create-key', projectId, '--name', 'ci', '--save', '--json']),
    );
    expect(key.apiKey.projectId).toBe(projectId);
    expect(key.secret.startsWith(key.apiKey.prefix)).toBe(true);
    expect(JSON.parse(readFileSync(env.AEPO_CONFIG!, 'utf8')).apiKey).toBe(key.secret);

    const list = parseJson<{ projects: { id: string }[] }>(await aepo(['admin', 'list-projects', '--json']));
    expect(list.projects.map((p) => p.id)).toContain(projectId);
  });

  it('answers bad input with the gRPC status, the field and exit 10 + code', async () => {
    expectError(await aepo(['admin', 'create-project', '']), 13, /^aepo: INVALID_ARGUMENT: display_name: /);
    expectError(
      await aepo(['admin', 'create-key', '00000000-0000-4000-8000-000000000000']),
      15,
      /^aepo: NOT_FOUND: /,
    );
    expectError(
      await aepo(['--admin-token', 'wrong-token-0123456789', 'admin', 'create-project', 'x']),
      26,
      /^aepo: UNAUTHENTICATED: /,
    );
  });
});

describe('aepo datasets', () => {
  it('uploads JSONL, lists, gets and deletes', async () => {
    const file = path.join(work, 'arith.jsonl');
    writeFileSync(file, tinyArith(30) + '\n');
    const up = await aepo(['datasets', 'upload', file, '--name', 'arith', '--label', 'kind=tiny']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^ID\s+NAME\s+ROWS/);
    expect(up.stdout).toMatch(/arith\s+30\s/);

    const json = parseJson<{ dataset: { id: string; rowCount: number; sha256: string; labels: object } }>(
      await aepo(['datasets', 'upload', '-', '--name', 'from-stdin', '--json'], tinyArith(1200)),
    );
    expect(json.dataset.rowCount).toBe(1200); // more than one upload message
    expect(json.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    datasetId = json.dataset.id;

    const list = parseJson<{ datasets: { id: string; displayName: string }[] }>(
      await aepo(['datasets', 'list', '--json']),
    );
    expect(list.datasets.map((d) => d.displayName)).toEqual(['from-stdin', 'arith']);
    const paged = parseJson<{ datasets: unknown[]; nextPageToken: string }>(
      await aepo(['datasets', 'list', '--page-size', '1', '--json']),
    );
    expect(paged.datasets).toHaveLength(1);
    expect(paged.nextPageToken).not.toBe('');
    const all = parseJson<{ datasets: unknown[] }>(
      await aepo(['datasets', 'list', '--page-size', '1', '--all', '--json']),
    );
    expect(all.datasets).toHaveLength(2);

    const got = await aepo(['datasets', 'get', datasetId]);
    expect(got.stdout).toMatch(new RegExp(`^id:\\s+${datasetId}$`, 'm'));
    expect(got.stdout).toMatch(/^rows:\s+1200$/m);
    const gotJson = parseJson<{ dataset: { id: string } }>(
      await aepo(['datasets', 'get', datasetId, '--json']),
    );
    expect(gotJson.dataset.id).toBe(datasetId);

    const other = list.datasets.find((d) => d.displayName === 'arith')!.id;
    const del = parseJson<{ id: string; deleted: boolean }>(
      await aepo(['datasets', 'delete', other, '--json']),
    );
    expect(del).toEqual({ id: other, deleted: true });
    expectError(await aepo(['datasets', 'get', other]), 15, /^aepo: NOT_FOUND: /);
  });

  it('names the bad row, and refuses a missing file or key', async () => {
    const bad = [tinyArith(2), JSON.stringify({ prompt: '1+1=', answer: '' })].join('\n');
    expectError(
      await aepo(['datasets', 'upload', '-'], bad),
      13,
      /^aepo: INVALID_ARGUMENT: rows\[3\]\.answer: /,
    );
    expectError(
      await aepo(['datasets', 'upload', path.join(work, 'nope.jsonl')]),
      2,
      /^aepo: no such file: /,
    );
    const noKey = cliEnv({ AEPO_ENDPOINT: env.AEPO_ENDPOINT! });
    expectError(await runCli(['datasets', 'list'], noKey), 2, /^aepo: no API key: /);
  });
});

describe('aepo jobs', () => {
  const base = () => ['jobs', 'create', '--model', 'builtin:tiny-arith', '--dataset', datasetId];

  it('creates a job from flags and a --spec file, lists, filters and gets it', async () => {
    const created = parseJson<{ job: { id: string; state: string; spec: Record<string, unknown> } }>(
      await aepo([
        ...base(),
        '--target',
        '0.4',
        '--tolerance',
        '0.1',
        '--max-steps',
        '7',
        '--prompts-per-step',
        '4',
        '--samples-per-prompt',
        '3',
        '--max-tokens',
        '6',
        '--lr',
        '0.001',
        '--seed',
        '42',
        '--reinforce-fraction',
        '0.1',
        '--label',
        'team=cli',
        '--name',
        'flags',
        '--json',
      ]),
    );
    expect(created.job.state).toBe('JOB_STATE_QUEUED');
    const spec = created.job.spec;
    expect(spec['entropyTarget']).toMatchObject({ constant: 0.4, tolerance: 0.1 });
    expect(spec['rollout']).toMatchObject({ promptsPerStep: 4, samplesPerPrompt: 3, maxTokens: 6 });
    expect(spec['optimization']).toMatchObject({ maxSteps: 7, learningRate: 0.001, seed: 42 });
    expect(spec['aepo']).toMatchObject({ reinforceFraction: 0.1 });
    expect(spec['labels']).toEqual({ team: 'cli' });

    const specFile = path.join(work, 'spec.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        base_model: 'builtin:tiny-arith',
        training_dataset_id: datasetId,
        algorithm: 'ALGORITHM_GRPO',
        entropy_target: { constant: 0.9 },
        optimization: { max_steps: 11 },
      }),
    );
    const fromFile = parseJson<{ job: { id: string; spec: Record<string, unknown> } }>(
      await aepo([
        'jobs',
        'create',
        '--spec',
        specFile,
        '--max-steps',
        '12',
        '--name',
        'from-spec',
        '--json',
      ]),
    );
    expect(fromFile.job.spec['algorithm']).toBe('ALGORITHM_GRPO');
    expect(fromFile.job.spec['entropyTarget']).toMatchObject({ constant: 0.9 });
    expect(fromFile.job.spec['optimization']).toMatchObject({ maxSteps: 12 });

    const table = await aepo(['jobs', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+STATE\s+ALGORITHM/);
    expect(table.stdout).toMatch(
      new RegExp(`${created.job.id}\\s+flags\\s+QUEUED\\s+AEPO\\s+builtin:tiny-arith\\s+0/7`),
    );
    const labelled = parseJson<{ jobs: { id: string }[] }>(
      await aepo(['jobs', 'list', '--label', 'team=cli', '--json']),
    );
    expect(labelled.jobs.map((j) => j.id)).toEqual([created.job.id]);
    const queued = parseJson<{ jobs: { id: string }[] }>(
      await aepo(['jobs', 'list', '--state', 'queued', '--json']),
    );
    expect(queued.jobs.map((j) => j.id).sort()).toEqual([created.job.id, fromFile.job.id].sort());
    const succeeded = parseJson<{ jobs?: unknown[] }>(
      await aepo(['jobs', 'list', '--state', 'succeeded', '--json']),
    );
    expect(succeeded.jobs ?? []).toEqual([]);

    const got = await aepo(['jobs', 'get', created.job.id]);
    expect(got.stdout).toMatch(/^state:\s+QUEUED$/m);
    expect(got.stdout).toMatch(/^target:\s+0\.4 ±0\.1$/m);
    expect(got.stdout).toMatch(/^rollout:\s+4 prompts × 3 samples, ≤6 tokens$/m);
    const gotJson = parseJson<{ job: { id: string } }>(await aepo(['jobs', 'get', created.job.id, '--json']));
    expect(gotJson.job.id).toBe(created.job.id);

    // Both end here so that the executor tests below lease only their own job.
    for (const id of [created.job.id, fromFile.job.id])
      expect((await aepo(['jobs', 'cancel', id])).code).toBe(0);
  });

  it('pauses, resumes, retargets and cancels; a second cancel is FAILED_PRECONDITION', async () => {
    const job = parseJson<{ job: { id: string } }>(await aepo([...base(), '--target', '0.5', '--json'])).job;
    const paused = await aepo(['jobs', 'pause', job.id]);
    expect(paused.stdout.trim()).toBe(`job ${job.id} PAUSED`);

    const retarget = parseJson<{ job: { entropyTargetRevision: number; spec: Record<string, unknown> } }>(
      await aepo([
        'jobs',
        'set-target',
        job.id,
        '--schedule',
        'linear:0.6:0.3:0:50',
        '--tolerance',
        '0.08',
        '--json',
      ]),
    );
    expect(retarget.job.entropyTargetRevision).toBe(1);
    expect(retarget.job.spec['entropyTarget']).toMatchObject({
      schedule: { kind: 'SCHEDULE_KIND_LINEAR', startValue: 0.6, endValue: 0.3, endStep: 50 },
      tolerance: 0.08,
    });
    const human = await aepo(['jobs', 'set-target', job.id, '--target', '0.7']);
    expect(human.stdout.trim()).toBe(`job ${job.id} target 0.7 ±0.05 (revision 2)`);

    const resumed = parseJson<{ job: { state: string } }>(await aepo(['jobs', 'resume', job.id, '--json']));
    expect(resumed.job.state).toBe('JOB_STATE_QUEUED');
    const cancelled = parseJson<{ job: { state: string } }>(await aepo(['jobs', 'cancel', job.id, '--json']));
    expect(cancelled.job.state).toBe('JOB_STATE_CANCELLED');
    expectError(await aepo(['jobs', 'cancel', job.id]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(await aepo(['jobs', 'pause', job.id]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(await aepo(['jobs', 'resume', job.id]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(
      await aepo(['jobs', 'set-target', job.id, '--target', '0.5']),
      19,
      /^aepo: FAILED_PRECONDITION: /,
    );
  });

  it('reports every invalid field on one line, and usage mistakes with exit 2', async () => {
    expectError(
      await aepo([...base(), '--target', '-1', '--top-p', '2']),
      13,
      /^aepo: INVALID_ARGUMENT: .*spec\.entropy_target\.constant: .*; .*spec\.rollout\.top_p: /,
    );
    expectError(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        '00000000-0000-4000-8000-000000000000',
        '--target',
        '0.5',
      ]),
      15,
      /^aepo: NOT_FOUND: .*training_dataset_id/,
    );
    expectError(
      await aepo(['jobs', 'get', '00000000-0000-4000-8000-000000000000']),
      15,
      /^aepo: NOT_FOUND: /,
    );
    expectError(
      await aepo([...base(), '--target', '0.5', '--schedule', 'linear:1:2']),
      2,
      /--target or --schedule/,
    );
    expectError(await aepo(['jobs', 'set-target', 'x', '--schedule', 'zigzag:1']), 2, /--schedule: expected/);
    const badFlag = await aepo([...base(), '--max-steps', 'many']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--max-steps <n>.*expected an integer/);
    const badState = await aepo(['jobs', 'list', '--state', 'sleeping']);
    expect(badState.code).toBe(2);
  });
});

describe('a job with recorded steps: watch, metrics, checkpoints, chart', () => {
  const STEPS = 8;
  let jobId = '';
  let executor: ScriptedExecutor;

  it('jobs watch follows the stream in plain lines and ends with the final state (exit 0)', async () => {
    executor = new ScriptedExecutor(api.executor, EXECUTOR_TOKEN);
    jobId = parseJson<{ job: { id: string } }>(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        datasetId,
        '--target',
        '0.5',
        '--max-steps',
        String(STEPS),
        '--name',
        'watched',
        '--json',
      ]),
    ).job.id;
    const watch = startCli(['jobs', 'watch', jobId], env);
    const { attempt } = await executor.lease();
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
    expect(out.stdout).toMatch(new RegExp(`job ${jobId} SUCCEEDED after ${STEPS}/${STEPS} steps`));
  });

  it('jobs watch --json replays the steps as NDJSON and ends with the job', async () => {
    const out = await aepo(['jobs', 'watch', jobId, '--json']);
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, STEPS).map((l) => l.record.step)).toEqual(
      Array.from({ length: STEPS }, (_, i) => i + 1),
    );
    expect(lines[STEPS].job.state).toBe('JOB_STATE_SUCCEEDED');
    const after = await aepo(['jobs', 'watch', jobId, '--json', '--after-step', '6']);
    expect(
      after.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).record?.step)
        .filter(Boolean),
    ).toEqual([7, 8]);
  });

  it('metrics: table, csv and json are the recorded steps', async () => {
    const table = await aepo(['metrics', jobId]);
    expect(table.stdout).toMatch(/^STEP\s+ENTROPY\s+TARGET\s+BAND\s+TEMP/);
    expect(table.stdout.trim().split('\n')).toHaveLength(STEPS + 1);

    const csv = (await aepo(['metrics', jobId, '--format', 'csv'])).stdout.trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['step', 'create_time', 'attempt', 'entropy']);
    expect(csv).toHaveLength(STEPS + 1);
    const row3 = Object.fromEntries(csv[3]!.split(',').map((v, i) => [header[i], v]));
    expect(Number(row3['step'])).toBe(3);
    expect(Number(row3['entropy'])).toBeCloseTo(fakeStep(3).entropy, 12);
    expect(Number(row3['reward_mean'])).toBeCloseTo(fakeStep(3).rewardMean, 12);

    const json = parseJson<{ jobId: string; records: { step: number; entropy: number; accuracy: number }[] }>(
      await aepo(['metrics', jobId, '--format', 'json', '--last', '2']),
    );
    expect(json.jobId).toBe(jobId);
    expect(json.records.map((r) => r.step)).toEqual([STEPS - 1, STEPS]);
    expect(json.records[1]!.accuracy).toBeCloseTo(fakeStep(STEPS).accuracy, 12);

    expectError(await aepo(['metrics', '00000000-0000-4000-8000-000000000000']), 15, /^aepo: NOT_FOUND: /);
    expect((await aepo(['metrics', jobId, '--format', 'xml'])).code).toBe(2);
  });

  it('checkpoints: table marks the best in band; json shape', async () => {
    const json = parseJson<{
      jobId: string;
      bestCheckpointId?: string;
      checkpoints: { step: number; id: string; inBand?: boolean }[];
    }>(await aepo(['checkpoints', jobId, '--json']));
    expect(json.checkpoints.map((c) => c.step)).toEqual([4, 8]);
    // Both saved steps lie in the band; the best is the one with the higher reward (step 8).
    expect(json.checkpoints.map((c) => c.inBand)).toEqual([true, true]);
    expect(json.bestCheckpointId).toBe(json.checkpoints[1]!.id);
    const table = await aepo(['checkpoints', jobId]);
    expect(table.stdout).toMatch(/^BEST\s+ID\s+STEP\s+ENTROPY\s+IN_BAND/);
    expect(table.stdout).toMatch(new RegExp(`^\\*\\s+${json.bestCheckpointId}\\s+8\\s`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^\\s+${json.checkpoints[0]!.id}\\s+4\\s`, 'm'));
    expectError(
      await aepo(['checkpoints', '00000000-0000-4000-8000-000000000000']),
      15,
      /^aepo: NOT_FOUND: /,
    );
  });

  it('chart: the plotted points are the job’s step metrics; the PNG is a real image', async () => {
    const out = path.join(work, 'chart', 'entropy');
    const res = parseJson<{ svg: string; png: string }>(await aepo(['chart', jobId, '-o', out, '--json']));
    const svg = readFileSync(res.svg, 'utf8');
    const lines = readChart(svg);
    expect(lines.map((l) => l.jobId)).toEqual([jobId]);
    const plotted = lines[0]!.points;
    const recorded = parseJson<{ records: { step: number; entropy: number }[] }>(
      await aepo(['metrics', jobId, '--json']),
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
    const id = parseJson<{ job: { id: string } }>(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        datasetId,
        '--target',
        '0.5',
        '--json',
      ]),
    ).job.id;
    const watch = startCli(['jobs', 'watch', id], env);
    await new Promise((r) => setTimeout(r, 500));
    await aepo(['jobs', 'cancel', id]);
    const out = await watch.done;
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(new RegExp(`job ${id} CANCELLED`));
    expect(out.stderr.trim()).toBe(`aepo: job ${id} ended CANCELLED`);
  });
});
