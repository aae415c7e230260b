/**
 * Real processes for the executor's end-to-end tests and benchmark: the API (node apps/api/dist/main.js
 * with embedded Postgres) and executors (node apps/gpu-executor/dist/main.js, each spawning its Python
 * engine). The public API's client (public-client.ts), process helpers (proc.ts) and the tiny-arith
 * job (tiny-job.ts) are re-exported, so tests import one module.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Proc, WaitAbort, waitFor } from './proc.js';

export { Proc, WaitAbort, freePort, waitFor } from './proc.js';
export { PublicClient } from './public-client.js';
export { tinyArithRows, tinyJobSpec } from './tiny-job.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const API_MAIN = path.join(REPO_ROOT, 'apps/api/dist/main.js');
export const EXECUTOR_MAIN = path.join(REPO_ROOT, 'apps/gpu-executor/dist/main.js');
export const EXECUTOR_TOKEN = 'e2e-executor-token-0123456789';

/** Compiles the API and the executor (incremental: a no-op when dist is current). */
export async function buildApps(): Promise<void> {
  await promisify(execFile)(
    'npx',
    ['tsc', '-b', 'apps/api/tsconfig.json', 'apps/gpu-executor/tsconfig.json'],
    {
      cwd: REPO_ROOT,
      timeout: 300_000,
    },
  );
}

export interface ApiProcessOptions {
  dataDir: string;
  pgPort: number;
  grpcPort: number;
  httpPort: number;
  leaseTtlSeconds?: number;
  /** Create a project and key (first start only). */
  bootstrap?: boolean;
  /** More environment of the API process (overrides the defaults above). */
  env?: Record<string, string>;
}

export interface ApiProcess {
  proc: Proc;
  grpcAddress: string;
  apiKey: string | undefined;
}

/** Starts the API as a process and waits until it serves. */
export async function startApi(o: ApiProcessOptions): Promise<ApiProcess> {
  mkdirSync(o.dataDir, { recursive: true });
  // Embedded Postgres runs as its own user when started as root: it must reach its data folder.
  chmodSync(o.dataDir, 0o755);
  const bootstrapFile = path.join(o.dataDir, `bootstrap-${Date.now()}.json`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    AEPO_API_DATA_DIR: path.join(o.dataDir, 'pg'),
    AEPO_API_EMBEDDED_PG_PORT: String(o.pgPort),
    AEPO_API_GRPC_ADDRESS: `127.0.0.1:${o.grpcPort}`,
    AEPO_API_HTTP_ADDRESS: `127.0.0.1:${o.httpPort}`,
    AEPO_EXECUTOR_TOKEN: EXECUTOR_TOKEN,
    AEPO_API_LEASE_TTL_SECONDS: String(o.leaseTtlSeconds ?? 6),
    AEPO_API_REAPER_INTERVAL_MS: '250',
    AEPO_API_MAX_LEASE_EXPIRATIONS: '10',
    AEPO_API_SHUTDOWN_GRACE_MS: '2000',
    AEPO_API_MODELS: 'builtin:tiny-arith',
    AEPO_API_LOG_LEVEL: 'info',
    ...(o.bootstrap ? { AEPO_API_BOOTSTRAP_PROJECT: 'e2e', AEPO_API_BOOTSTRAP_FILE: bootstrapFile } : {}),
    ...o.env,
  };
  const child = spawn(process.execPath, [API_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc('api', child);
  const grpcAddress = `127.0.0.1:${o.grpcPort}`;
  try {
    await waitFor(
      'the API to listen',
      async () => {
        if (!proc.running) throw new WaitAbort(`api exited:\n${proc.tail()}`);
        if (o.bootstrap && !existsSync(bootstrapFile)) return false;
        return proc.lines.some((l) => l.includes('aepo api listening'));
      },
      120_000,
    );
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${proc.tail()}`, { cause: e });
  }
  const apiKey = o.bootstrap
    ? (JSON.parse(readFileSync(bootstrapFile, 'utf8')) as { apiKey: string }).apiKey
    : undefined;
  return { proc, grpcAddress, apiKey };
}

export interface ExecutorProcessOptions {
  name: string;
  apiAddress: string;
  checkpointDir: string;
  httpPort: number;
  env?: Record<string, string>;
}

export interface ExecutorProcess {
  proc: Proc;
  metricsUrl: string;
  /** pid of the Python engine, once it logged `engine ready`. */
  enginePid(): number | undefined;
}

/** Starts an executor process (it spawns its own engine); resolves once its HTTP port answers. */
export async function startExecutor(o: ExecutorProcessOptions): Promise<ExecutorProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    AEPO_EXECUTOR_API_ADDRESS: o.apiAddress,
    AEPO_EXECUTOR_TOKEN: EXECUTOR_TOKEN,
    AEPO_EXECUTOR_ID: o.name,
    AEPO_EXECUTOR_HTTP_ADDRESS: `127.0.0.1:${o.httpPort}`,
    AEPO_EXECUTOR_CHECKPOINT_DIR: o.checkpointDir,
    AEPO_EXECUTOR_ENGINE_ADDRESS: `unix:///tmp/aepo-e2e-${o.name}-${process.pid}.sock`,
    AEPO_EXECUTOR_ENGINE_THREADS: '1',
    AEPO_EXECUTOR_LEASE_WAIT_SECONDS: '2',
    AEPO_EXECUTOR_API_RETRY_MAX_MS: '1000',
    AEPO_EXECUTOR_SHUTDOWN_GRACE_MS: '20000',
    AEPO_EXECUTOR_LOG_LEVEL: 'debug',
    ...(process.env.AEPO_ENGINE_MODEL_CACHE
      ? { AEPO_ENGINE_MODEL_CACHE: process.env.AEPO_ENGINE_MODEL_CACHE }
      : {}),
    ...o.env,
  };
  const child = spawn(process.execPath, [EXECUTOR_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc(o.name, child);
  const base = `http://127.0.0.1:${o.httpPort}`;
  await waitFor('the executor HTTP port', async () => {
    if (!proc.running) throw new WaitAbort(`executor exited:\n${proc.tail()}`);
    return (await fetch(`${base}/healthz`)).ok;
  });
  return {
    proc,
    metricsUrl: `${base}/metrics`,
    enginePid: () => {
      for (let i = proc.lines.length - 1; i >= 0; i--) {
        const line = proc.lines[i]!;
        if (!line.includes('engine ready')) continue;
        const pid = (JSON.parse(line) as { pid?: number }).pid;
        if (pid !== undefined) return pid;
      }
      return undefined;
    },
  };
}
