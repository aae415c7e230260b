import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { startApiServer, type RunningApi } from '@aepo/api';
import { objectStoreConfigFromEnv } from '@aepo/artifacts';
import { startExecutor, type RunningExecutor } from '@aepo/gpu-executor';

export interface LocalStackOptions {
  /** Folder of the embedded Postgres data (`<dataDir>/postgres`) and checkpoints. */
  dataDir: string;
  /** Use this database instead of the embedded one. */
  databaseUrl?: string | undefined;
  grpcAddress: string;
  httpAddress: string;
  /** Local executors, each with its own CPU engine. */
  executors: number;
  /** Admin token of the API; generated when unset. */
  adminToken?: string | undefined;
  /** Create a project and API key at start (written to bootstrapFile when given). */
  bootstrapProject?: string | undefined;
  bootstrapFile?: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Torch threads per engine (default: the cores shared evenly). */
  engineThreads?: number | undefined;
  /** Environment the API reads its other settings from (AEPO_API_*). */
  env?: Record<string, string | undefined>;
}

/** The service on the embedded default: one API and N executors in this process tree. */
export interface LocalStack {
  api: RunningApi;
  executors: RunningExecutor[];
  grpcAddress: string;
  apiMetricsUrl: string;
  executorMetricsUrls: string[];
  adminToken: string;
  bootstrap: { projectId: string; apiKey: string } | undefined;
  /** Resolves with the reason once an executor cannot start its engine (never while all can). */
  failed: Promise<Error>;
  close(): Promise<void>;
}

const token = () => randomBytes(24).toString('base64url');

/**
 * Starts the API (embedded Postgres unless a database URL is given) and the executors, in order; a
 * failure part-way stops what already started. close() stops the executors first (each checkpoints
 * and hands its job back), then the API.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const dataDir = path.resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // As root, the embedded Postgres runs as the `postgres` user, which must reach its data folder.
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o755);
  const adminToken = o.adminToken ?? token();
  const executorToken = token();
  const env: Record<string, string | undefined> = {
    ...(o.env ?? process.env),
    AEPO_API_DATA_DIR: path.join(dataDir, 'postgres'),
    AEPO_API_GRPC_ADDRESS: o.grpcAddress,
    AEPO_API_HTTP_ADDRESS: o.httpAddress,
    AEPO_ADMIN_TOKEN: adminToken,
    AEPO_EXECUTOR_TOKEN: executorToken,
    AEPO_API_LOG_LEVEL: o.logLevel,
    AEPO_API_BOOTSTRAP_PROJECT: o.bootstrapProject,
    AEPO_API_BOOTSTRAP_FILE: o.bootstrapFile,
  };
  if (o.databaseUrl) env['DATABASE_URL'] = o.databaseUrl;
  // AEPO_ARTIFACTS_S3_* puts checkpoints and models in an object store for the API and the executors
  // alike (a bad setting fails here, before anything starts); unset, they stay under dataDir.
  const objectStore = objectStoreConfigFromEnv(env);
  const api = await startApiServer({ env });
  const executors: RunningExecutor[] = [];
  const close = async () => {
    await Promise.allSettled(executors.map((e) => e.close()));
    await api.close();
  };
  try {
    const threads =
      o.engineThreads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, o.executors)));
    for (let i = 0; i < o.executors; i++) {
      executors.push(
        await startExecutor({
          apiAddress: api.grpcAddress,
          executorToken,
          executorId: `local-${process.pid}-${i}`,
          httpAddress: '127.0.0.1:0',
          checkpointRoot: path.join(dataDir, 'checkpoints'),
          engineAddress: `unix://${path.join(tmpdir(), `aepo-engine-${process.pid}-${i}.sock`)}`,
          engineThreads: threads,
          leaseWaitSeconds: 5,
          shutdownGraceMs: 20_000,
          logLevel: o.logLevel,
          ...(objectStore ? { objectStore } : {}),
        }),
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    api,
    executors,
    grpcAddress: api.grpcAddress,
    apiMetricsUrl: `${api.httpUrl}/metrics`,
    executorMetricsUrls: executors.map((e) => e.metricsUrl),
    adminToken,
    bootstrap: api.bootstrap,
    failed: Promise.race(executors.map((e) => e.failed)),
    close,
  };
}
