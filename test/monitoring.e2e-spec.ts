/**
 * The Grafana dashboard and the alert rules against a real Prometheus (Debian's `prometheus` package,
 * installed once into .cache/tools by deploy/tools/install-prometheus.sh) that scrapes a real API and a
 * real executor while it trains a tiny job on CPU. Every dashboard query must return data on this
 * healthy system (a panel showing "No data" there hides the number an operator looks for), and every
 * alert and recording rule must evaluate without error.
 */
import { JobState, jobIdOf } from '@aepo/contracts';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  type ExecutorProcess,
  Proc,
  PublicClient,
  REPO_ROOT,
  WaitAbort,
  buildApps,
  freePort,
  startApi,
  startExecutor,
  tinyArithRows,
  tinyJobSpec,
  waitFor,
} from './support/executor-processes.js';

const SCRAPE_SECONDS = 1;
// Grafana's $__rate_interval is at least four scrape intervals; a few more keep a rate defined
// between steps on a busy machine.
const RATE_INTERVAL = '20s';
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-monitoring-e2e-'));
// Embedded Postgres runs as its own user when started as root: it must reach its data folder below.
chmodSync(dir, 0o755);
let api: ApiProcess;
let executor: ExecutorProcess;
let prometheus: Proc;
let promUrl: string;
let client: PublicClient;
/** The job's name; the metrics and the dashboard label it by its bare id. */
let jobName: string;

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every query of the dashboard with Grafana's variables filled in, named by its panel. */
function dashboardQueries(job: string): { where: string; expr: string }[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'deploy/grafana/dashboards/aepo.json'), 'utf8'),
  ) as { panels: Panel[] };
  const fill = (e: string) =>
    e
      .replaceAll('$__rate_interval', RATE_INTERVAL)
      .replaceAll('$__interval', `${SCRAPE_SECONDS}s`)
      .replaceAll('$job_id', job);
  return dashboard.panels
    .flatMap((p) => [p, ...(p.panels ?? [])])
    .flatMap((p) =>
      (p.targets ?? []).map((t, i) => ({ where: `${p.title} [${i}]`, expr: fill(t.expr ?? '') })),
    );
}

async function promQuery(expr: string): Promise<{ status: string; error?: string; result: unknown[] }> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  return { status: body.status, error: body.error, result: body.data?.result ?? [] };
}

async function startPrometheus(targets: { api: string; executor: string }): Promise<void> {
  const { stdout } = await promisify(execFile)('bash', ['deploy/tools/install-prometheus.sh'], {
    cwd: REPO_ROOT,
    timeout: 300_000,
  });
  const bin = path.join(stdout.trim(), 'prometheus');
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` },
      rule_files: [path.join(REPO_ROOT, 'deploy/prometheus/aepo.rules.yaml')],
      scrape_configs: [
        { job_name: 'aepo-api', static_configs: [{ targets: [targets.api] }] },
        { job_name: 'aepo-executor', static_configs: [{ targets: [targets.executor] }] },
      ],
    }),
  );
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus = new Proc('prometheus', child);
  promUrl = `http://127.0.0.1:${port}`;
  await waitFor('prometheus to be ready', async () => {
    if (!prometheus.running) throw new WaitAbort(`prometheus exited:\n${prometheus.tail()}`);
    return (await fetch(`${promUrl}/-/ready`)).ok;
  });
}

beforeAll(async () => {
  await buildApps();
  const apiHttp = await freePort();
  api = await startApi({
    dataDir: path.join(dir, 'api'),
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: apiHttp,
    bootstrap: true,
  });
  const executorHttp = await freePort();
  executor = await startExecutor({
    name: 'mon1',
    apiAddress: api.grpcAddress,
    checkpointDir: path.join(dir, 'checkpoints'),
    httpPort: executorHttp,
  });
  await startPrometheus({ api: `127.0.0.1:${apiHttp}`, executor: `127.0.0.1:${executorHttp}` });
  client = new PublicClient(api.grpcAddress, api.apiKey!);
  const dataset = await client.uploadDataset('monitoring', tinyArithRows(64, 5));
  // Far more steps than the test waits for: it is cancelled once every query has data.
  const job = await client.createJob({
    spec: tinyJobSpec(dataset, {
      maxSteps: 500,
      checkpointEvery: 50,
      promptsPerStep: 4,
      samplesPerPrompt: 2,
    }),
    displayName: 'monitoring',
    requestId: '',
    parent: '',
  });
  jobName = job.name;
});

afterAll(async () => {
  if (client && jobName) await client.control('cancel', jobName).catch(() => undefined);
  client?.close();
  await prometheus?.stop(5_000);
  await executor?.proc.stop();
  await api?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard and alert rules on a real Prometheus', () => {
  it('every dashboard query returns data while a job trains, and every rule evaluates', async () => {
    // The first steps (a cold engine start builds the tiny model once: minutes on a busy machine).
    await waitFor(
      'the job to record two steps',
      async () => {
        if (!executor.proc.running) throw new WaitAbort(`executor exited:\n${executor.proc.tail()}`);
        return (await client.steps(jobName)).length >= 2;
      },
      600_000,
      1_000,
    );
    // This stack talks plaintext: both processes said so at start.
    expect(api.proc.lines.some((l) => l.includes('gRPC is served in plaintext'))).toBe(true);
    expect(executor.proc.lines.some((l) => l.includes('the API is reached in plaintext'))).toBe(true);
    const queries = dashboardQueries(jobIdOf(jobName));
    expect(queries.length).toBeGreaterThan(20);

    let empty: string[] = [];
    try {
      await waitFor(
        'every dashboard query to return data',
        async () => {
          if (!executor.proc.running) throw new WaitAbort(`executor exited:\n${executor.proc.tail()}`);
          empty = [];
          for (const q of queries) {
            const r = await promQuery(q.expr);
            if (r.status !== 'success') throw new WaitAbort(`${q.where}: ${q.expr} failed: ${r.error}`);
            if (r.result.length === 0) empty.push(`${q.where}: ${q.expr}`);
          }
          return empty.length === 0;
        },
        120_000,
        1_000,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nqueries without data:\n  ${empty.join('\n  ')}`, {
        cause: e,
      });
    }
    // The job was running the whole time; the idle-executor panel still answers 0, not nothing.
    expect((await client.getJob(jobName)).state).toBe(JobState.JOB_STATE_RUNNING);
    const idle = await promQuery(queries.find((q) => q.expr.includes('lease_held == 0'))!.expr);
    expect(idle.result).toEqual([expect.objectContaining({ value: [expect.any(Number), '0'] })]);

    interface Rule {
      name: string;
      health: string;
      lastError?: string;
      lastEvaluation: string;
    }
    const rules = await waitFor(
      'every rule to be evaluated',
      async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
          data: { groups: { rules: Rule[] }[] };
        };
        const all = res.data.groups.flatMap((g) => g.rules);
        return all.every((r) => !r.lastEvaluation.startsWith('0001-')) ? all : undefined;
      },
      30_000,
      500,
    );
    expect(rules.length).toBeGreaterThan(5);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });
});
