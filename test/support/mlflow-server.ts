/**
 * A real MLflow tracking server for tests: `mlflow server` from PyPI, pinned in the uv project
 * test/tools/mlflow (installed by `uv sync --frozen` on first use, a no-op afterwards), on a SQLite
 * backend store and a local artifact folder, on 127.0.0.1. Also a small reader of MLflow's REST API.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT } from './executor-processes.js';

export const MLFLOW_PROJECT = path.join(REPO_ROOT, 'test/tools/mlflow');
const MLFLOW_BIN = path.join(MLFLOW_PROJECT, '.venv/bin/mlflow');

let installed: Promise<number> | undefined;

/**
 * `uv sync --frozen` of test/tools/mlflow (once per test process); resolves to the seconds it took
 * (a fraction of a second once the environment exists).
 */
export function installMlflow(): Promise<number> {
  installed ??= (async () => {
    const started = Date.now();
    await promisify(execFile)(
      'bash',
      ['-c', 'source scripts/uv-path.sh && cd test/tools/mlflow && uv sync --frozen --quiet'],
      { cwd: REPO_ROOT, timeout: 600_000 },
    );
    return (Date.now() - started) / 1000;
  })();
  return installed;
}

export interface MlflowServer {
  url: string;
  port: number;
  /** Backend store and artifacts live here (kept across stop/start of the same server). */
  dir: string;
  /** Stops the server; the store stays, so start() brings the same server back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

export interface MlflowServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Leave it stopped (start() later): a server that is down from the beginning. */
  stopped?: boolean;
  /** Seconds to wait for /health. */
  startTimeoutS?: number;
  /** Where its store and artifacts go (default: the OS temp folder). */
  parentDir?: string;
  /** Pin the server to these CPUs (`taskset -c`), e.g. to keep it off the API's core in a benchmark. */
  cpus?: string;
}

/** Starts `mlflow server` (installing it first if needed) and waits until /health answers. */
export async function startMlflowServer(o: MlflowServerOptions = {}): Promise<MlflowServer> {
  await installMlflow();
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(path.join(o.parentDir ?? tmpdir(), 'aepo-mlflow-'));
  mkdirSync(path.join(dir, 'artifacts'));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const command = o.cpus ? ['taskset', '-c', o.cpus, MLFLOW_BIN] : [MLFLOW_BIN];
    child = spawn(
      command[0]!,
      [
        ...command.slice(1),
        'server',
        '--backend-store-uri',
        `sqlite:///${path.join(dir, 'mlflow.db')}`,
        '--artifacts-destination',
        path.join(dir, 'artifacts'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
      ],
      {
        cwd: dir,
        // Its own process group: stop() ends the uvicorn worker it spawns too.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        // No background job runner (huey consumers): the tests use tracking and the registry only.
        env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
      },
    );
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-8000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + (o.startTimeoutS ?? 300) * 1000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`mlflow server exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`mlflow server did not answer /health:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    try {
      process.kill(-c.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
    // The uvicorn worker may outlive the parent for a moment: wait until the port is free.
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) }).then(
        () => true,
        () => false,
      );
      if (!up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  if (!o.stopped) await start();
  return {
    url,
    port,
    dir,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads MLflow's REST API as a test would check it. */
export class MlflowReader {
  constructor(private readonly url: string) {}

  async get<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`);
    if (!res.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async post<T>(p: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${p}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The run named `runName` in experiment `experimentName`, if any. */
  async runByName(experimentName: string, runName: string): Promise<MlflowRunView | undefined> {
    const exp = await fetch(
      `${this.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experimentName)}`,
    );
    if (!exp.ok) return undefined;
    const { experiment } = (await exp.json()) as { experiment: { experiment_id: string } };
    const res = await this.post<{ runs?: MlflowRunView[] }>('/api/2.0/mlflow/runs/search', {
      experiment_ids: [experiment.experiment_id],
      filter: `attributes.run_name = '${runName}'`,
    });
    return res.runs?.[0];
  }

  /** Every point of one metric of a run. */
  async history(runId: string, key: string): Promise<{ step: number; value: number; timestamp: number }[]> {
    const res = await this.get<{ metrics?: { step?: string; value: number; timestamp: string }[] }>(
      `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}&max_results=100000`,
    );
    return (res.metrics ?? []).map((m) => ({
      step: Number(m.step ?? 0),
      value: m.value,
      timestamp: Number(m.timestamp),
    }));
  }

  async modelVersions(name: string): Promise<MlflowModelVersionView[]> {
    const res = await this.get<{ model_versions?: MlflowModelVersionView[] }>(
      `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${name}'`)}`,
    );
    return res.model_versions ?? [];
  }

  /** A run artifact's content (through the server's artifact proxy). */
  async artifact(runId: string, artifactPath: string): Promise<string> {
    const res = await fetch(
      `${this.url}/get-artifact?run_id=${runId}&path=${encodeURIComponent(artifactPath)}`,
    );
    if (!res.ok) throw new Error(`artifact ${artifactPath}: HTTP ${res.status}`);
    return res.text();
  }
}

export interface MlflowRunView {
  info: {
    run_id: string;
    run_name: string;
    experiment_id: string;
    status: string;
    artifact_uri: string;
    end_time?: string;
  };
  data: {
    metrics?: { key: string; value: number; step: string }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

export interface MlflowModelVersionView {
  name: string;
  version: string;
  source: string;
  run_id: string;
  tags?: { key: string; value: string }[];
}
