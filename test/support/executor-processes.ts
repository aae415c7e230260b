/**
 * Real processes for the executor's end-to-end tests and benchmark: the API (node apps/api/dist/main.js
 * with embedded Postgres), executors (node apps/gpu-executor/dist/main.js, each spawning its Python
 * engine), and a promise-based client of the public API.
 */
import {
  Algorithm,
  EntropyEstimator,
  type JobSpec,
  LossAggregation,
  type CreateJobRequest,
  type CreateJobResponse,
  FineTuningServiceClient,
  type GetJobResponse,
  type Checkpoint,
  type JobEvent,
  type ListCheckpointsRequest,
  type ListCheckpointsResponse,
  type ListJobEventsRequest,
  type ListJobEventsResponse,
  type ListStepRecordsRequest,
  type ListStepRecordsResponse,
  type Job,
  type JobState,
  type StepRecord,
} from '@aepo/contracts';
import { Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const API_MAIN = path.join(REPO_ROOT, 'apps/api/dist/main.js');
export const EXECUTOR_MAIN = path.join(REPO_ROOT, 'apps/gpu-executor/dist/main.js');
export const EXECUTOR_TOKEN = 'e2e-executor-token-0123456789';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Thrown inside a waitFor callback to give up at once (e.g. the process died). */
export class WaitAbort extends Error {}

/** Polls `fn` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if (e instanceof WaitAbort) throw e;
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/** A child process with its output kept (last lines) for failure messages. */
export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    echo = process.env.AEPO_E2E_LOG === '1',
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (const s of [child.stdout, child.stderr]) {
      let buf = '';
      s?.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.lines.push(line);
          if (this.lines.length > 2000) this.lines.shift();
          if (echo) process.stderr.write(`[${name}] ${line}\n`);
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const t = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }
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

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** The public FineTuningService with an API key, as promises. */
export class PublicClient {
  readonly raw: FineTuningServiceClient;
  readonly md = new Metadata();

  constructor(address: string, apiKey: string) {
    this.raw = new FineTuningServiceClient(address, credentials.createInsecure());
    this.md.set('authorization', `Bearer ${apiKey}`);
  }

  call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.raw, req, this.md, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  async uploadDataset(name: string, rows: { prompt: string; answer: string }[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const stream = this.raw.uploadDataset(this.md, (err, res) =>
        err ? reject(err) : resolve(res.dataset!.id),
      );
      stream.write({ metadata: { displayName: name, labels: {}, requestId: '' }, rows: [], jsonlLines: [] });
      for (let i = 0; i < rows.length; i += 500) {
        stream.write({ rows: rows.slice(i, i + 500).map((r) => ({ ...r, id: '' })), jsonlLines: [] });
      }
      stream.end();
    });
  }

  async createJob(req: CreateJobRequest): Promise<Job> {
    return (await this.call<CreateJobRequest, CreateJobResponse>(this.raw.createJob, req)).job!;
  }

  async getJob(id: string): Promise<Job> {
    return (await this.call<{ id: string }, GetJobResponse>(this.raw.getJob, { id })).job!;
  }

  async waitForState(id: string, states: JobState[], timeoutMs = 300_000): Promise<Job> {
    return waitFor(
      `job ${id} to reach ${states.join('|')}`,
      async () => {
        const job = await this.getJob(id);
        return states.includes(job.state) ? job : undefined;
      },
      timeoutMs,
      200,
    );
  }

  async steps(id: string): Promise<StepRecord[]> {
    const out: StepRecord[] = [];
    let pageToken = '';
    do {
      const res = await this.call<ListStepRecordsRequest, ListStepRecordsResponse>(this.raw.listStepRecords, {
        jobId: id,
        pageSize: 1000,
        pageToken,
      });
      out.push(...res.records);
      pageToken = res.nextPageToken;
    } while (pageToken);
    return out;
  }

  async control(kind: 'cancel' | 'pause' | 'resume', id: string): Promise<Job> {
    const method =
      kind === 'cancel' ? this.raw.cancelJob : kind === 'pause' ? this.raw.pauseJob : this.raw.resumeJob;
    return (await this.call<{ id: string }, { job?: Job }>(method as never, { id })).job!;
  }

  async checkpoints(jobId: string): Promise<Checkpoint[]> {
    const res = await this.call<ListCheckpointsRequest, ListCheckpointsResponse>(this.raw.listCheckpoints, {
      jobId,
      pageSize: 1000,
      pageToken: '',
    });
    return res.checkpoints;
  }

  async events(jobId: string): Promise<JobEvent[]> {
    const res = await this.call<ListJobEventsRequest, ListJobEventsResponse>(this.raw.listJobEvents, {
      jobId,
      pageSize: 1000,
      pageToken: '',
    });
    return res.events;
  }

  /** Follows StreamStepRecords from the start; resolves when the server ends the stream (job terminal). */
  streamSteps(jobId: string, onRecord: (r: StepRecord, at: number) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.raw.streamStepRecords({ jobId, afterStep: 0 }, this.md);
      call.on('data', (m: { record?: StepRecord }) => m.record && onRecord(m.record, Date.now()));
      call.on('end', () => resolve());
      call.on('error', reject);
    });
  }

  close(): void {
    this.raw.close();
  }
}

/** tiny-arith rows `${a}+${b}=` -> `${a+b}` from a seeded generator. */
export function tinyArithRows(count: number, seed: number): { prompt: string; answer: string }[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const a = Math.floor(next() * 100);
    const b = Math.floor(next() * 100);
    return { prompt: `${a}+${b}=`, answer: String(a + b) };
  });
}

/** A small AEPO job on builtin:tiny-arith for tests (a few seconds per step on one CPU thread). */
export function tinyJobSpec(
  datasetId: string,
  o: {
    maxSteps?: number;
    checkpointEvery?: number;
    algorithm?: Algorithm;
    target?: number;
    seed?: number;
    promptsPerStep?: number;
    samplesPerPrompt?: number;
  } = {},
): JobSpec {
  return {
    baseModel: 'builtin:tiny-arith',
    trainingDatasetId: datasetId,
    validationDatasetId: '',
    algorithm: o.algorithm ?? Algorithm.ALGORITHM_AEPO,
    entropyTarget: {
      constant: o.target ?? 0.3,
      tolerance: 0.05,
      estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
    },
    aepo: { reinforceFraction: 0.25 },
    rollout: {
      promptsPerStep: o.promptsPerStep ?? 8,
      samplesPerPrompt: o.samplesPerPrompt ?? 4,
      maxTokens: 8,
      topP: 1,
      stop: [],
    },
    optimization: {
      learningRate: 1e-3,
      weightDecay: 0,
      lossAggregation: LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN,
      maxSteps: o.maxSteps ?? 10,
      seed: o.seed ?? 11,
    },
    checkpoint: { everyNSteps: o.checkpointEvery ?? 2, keepLast: 3 },
    labels: { e2e: 'executor' },
  };
}
