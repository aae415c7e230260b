import { type ObjectStoreConfig, ObjectStoreConfigError, objectStoreConfigFromEnv } from '@aepo/artifacts';
import { z } from 'zod';

const DEFAULT_MODELS = 'builtin:tiny-arith,builtin:tiny-cot,hf:Qwen/Qwen2.5-Math-7B';

const intFrom = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const token = z
  .string()
  .min(16, 'must be at least 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .optional();

/** Every environment variable the API reads (nothing else reads process.env). */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  AEPO_API_DATA_DIR: z.string().min(1).default('.data/postgres'),
  AEPO_API_EMBEDDED_PG_PORT: intFrom(0, 65535, 0),
  AEPO_API_GRPC_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:50051 (port 0 picks a free one)')
    .default('0.0.0.0:50051'),
  AEPO_API_HTTP_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:8080 (port 0 picks a free one)')
    .default('0.0.0.0:8080'),
  AEPO_ADMIN_TOKEN: token,
  AEPO_EXECUTOR_TOKEN: token,
  AEPO_API_MODELS: z
    .string()
    .default(DEFAULT_MODELS)
    .transform((s) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m.length > 0),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              /^(builtin|hf):[A-Za-z0-9._\-/]+$/,
              'each model id must be builtin:<name> or hf:<org>/<name>',
            ),
        )
        .min(1, 'must list at least one model id'),
    ),
  AEPO_API_LEASE_TTL_SECONDS: intFrom(2, 3600, 30),
  AEPO_API_REAPER_INTERVAL_MS: intFrom(50, 600_000, 1000),
  AEPO_API_MAX_LEASE_EXPIRATIONS: intFrom(1, 100, 3),
  AEPO_API_DATASET_MAX_ROWS: intFrom(1, 100_000_000, 1_000_000),
  AEPO_API_DATASET_MAX_ROW_BYTES: intFrom(16, 64 * 1024 * 1024, 64 * 1024),
  AEPO_API_DATASET_MAX_BYTES: intFrom(16, 16 * 1024 * 1024 * 1024, 256 * 1024 * 1024),
  AEPO_API_QUOTA_ACTIVE_JOBS: intFrom(1, 1_000_000, 16),
  AEPO_API_QUOTA_UPLOADS: intFrom(1, 10_000, 2),
  AEPO_API_QUOTA_DATASET_BYTES: intFrom(1, 2 ** 50, 10 * 1024 ** 3),
  AEPO_API_QUOTA_STREAMS: intFrom(1, 1_000_000, 32),
  AEPO_API_DB_POOL_SIZE: intFrom(1, 200, 10),
  AEPO_API_AUTH_CACHE_MS: intFrom(0, 600_000, 5000),
  AEPO_API_JOB_CACHE_MS: intFrom(0, 600_000, 2000),
  AEPO_API_SHUTDOWN_GRACE_MS: intFrom(0, 600_000, 10_000),
  AEPO_API_BOOTSTRAP_PROJECT: z.string().min(1).max(200).optional(),
  AEPO_API_BOOTSTRAP_FILE: z.string().min(1).optional(),
  AEPO_API_TLS_CERT_FILE: z.string().min(1).optional(),
  AEPO_API_TLS_KEY_FILE: z.string().min(1).optional(),
  AEPO_API_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  AEPO_API_TLS_RELOAD_SECONDS: intFrom(1, 86_400, 300),
  // Webhook delivery (apps/api/src/webhooks).
  AEPO_API_WEBHOOK_CONCURRENCY: intFrom(0, 256, 8),
  AEPO_API_WEBHOOK_TIMEOUT_MS: intFrom(100, 300_000, 10_000),
  AEPO_API_WEBHOOK_MAX_ATTEMPTS: intFrom(1, 100, 12),
  AEPO_API_WEBHOOK_RETRY_HOURS: intFrom(1, 720, 72),
  AEPO_API_WEBHOOK_RETRY_BASE_MS: intFrom(10, 3_600_000, 5000),
  AEPO_API_WEBHOOK_RETRY_MAX_MS: intFrom(10, 86_400_000, 3_600_000),
  AEPO_API_WEBHOOK_POLL_MS: intFrom(50, 600_000, 5000),
  AEPO_API_WEBHOOK_RETENTION_DAYS: intFrom(0, 36_500, 30),
  AEPO_API_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((s) => s === 'true' || s === '1'),
  // MLflow tracking (apps/api/src/mlflow): the deployment's server; a job's spec.mlflow overrides it.
  AEPO_MLFLOW_TRACKING_URI: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL')
    .optional(),
  AEPO_MLFLOW_EXPERIMENT_NAME: z.string().min(1).max(500).default('aepo'),
  AEPO_MLFLOW_TRACKING_TOKEN: z.string().min(1).optional(),
  AEPO_MLFLOW_SYNC_INTERVAL_MS: intFrom(20, 600_000, 2000),
  AEPO_MLFLOW_RETRY_MAX_MS: intFrom(100, 3_600_000, 60_000),
  AEPO_MLFLOW_REQUEST_TIMEOUT_MS: intFrom(100, 600_000, 15_000),
  AEPO_MLFLOW_CONCURRENCY: intFrom(1, 64, 4),
  AEPO_API_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AEPO_API_ARTIFACT_URL_TTL_SECONDS: intFrom(1, 604_800, 900),
});

export type ApiEnv = z.input<typeof envSchema>;

/** Validated configuration of the API, built once at boot and injected as a provider. */
export interface ApiConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  grpcAddress: string;
  httpAddress: string;
  adminToken: string | undefined;
  executorToken: string | undefined;
  models: string[];
  leaseTtlSeconds: number;
  reaperIntervalMs: number;
  maxLeaseExpirations: number;
  datasetMaxRows: number;
  datasetMaxRowBytes: number;
  datasetMaxBytes: number;
  quotas: ProjectQuotaLimits;
  dbPoolSize: number;
  authCacheMs: number;
  jobCacheMs: number;
  shutdownGraceMs: number;
  bootstrapProject: string | undefined;
  bootstrapFile: string | undefined;
  /** Unset: plaintext gRPC (local use; a warning is logged). */
  tls: ApiTlsConfig | undefined;
  webhooks: WebhookDeliveryConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where executors put checkpoints and exported models (AEPO_ARTIFACTS_S3_*); unset: no downloads. */
  objectStore: ObjectStoreConfig | undefined;
  /** Default lifetime of presigned artifact download URLs. */
  artifactUrlTtlSeconds: number;
  mlflow: MlflowConfig;
}

/** MLflow tracking of jobs (the tracker in apps/api/src/mlflow runs in every API replica). */
export interface MlflowConfig {
  /** The deployment's tracking server; unset: only jobs that name one in spec.mlflow are tracked. */
  trackingUri: string | undefined;
  /** Experiment of jobs that name none. */
  experimentName: string;
  /** Bearer token, sent only to trackingUri (never to a server a job names). */
  token: string | undefined;
  /** How often the tracker looks for records to send. */
  syncIntervalMs: number;
  /** Longest wait between retries while a tracking server is unreachable. */
  retryMaxMs: number;
  requestTimeoutMs: number;
  /** Jobs synced at once by one API replica. */
  concurrency: number;
}

/** Per-project limits, answered RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure naming the quota. */
export interface ProjectQuotaLimits {
  /** QUEUED, RUNNING and PAUSED jobs. */
  activeJobs: number;
  /** UploadDataset calls in progress. */
  concurrentUploads: number;
  /** Bytes of all the project's datasets (size_bytes), an upload in progress included. */
  datasetBytes: number;
  /** StreamStepRecords and StreamJobEvents calls open at once. */
  openStreams: number;
}

/** How this replica delivers webhooks (every replica may; the outbox hands each delivery to one). */
export interface WebhookDeliveryConfig {
  /** Deliveries in flight at once; 0: this replica sends none. */
  concurrency: number;
  /** Deadline of one HTTP attempt (connect to end of response headers). */
  timeoutMs: number;
  /** Attempts before a delivery is FAILED ... */
  maxAttempts: number;
  /** ... or seconds since it was queued (or redelivered), whichever comes first. */
  maxAgeSeconds: number;
  /** Backoff after the first failed attempt; doubles each attempt, jittered, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Polling fallback of the NOTIFY wake-up. */
  pollMs: number;
  /** Let endpoints reach loopback, private and link-local addresses (off: refused, against SSRF). */
  allowPrivate: boolean;
  /** Days a DELIVERED or FAILED delivery stays in the log after its last attempt; 0: forever. */
  retentionDays: number;
}

/** TLS of the gRPC port: the server's certificate, and the CA that executors' client certificates need. */
export interface ApiTlsConfig {
  certFile: string;
  keyFile: string;
  /** Set: ExecutorService calls must present a client certificate signed by this CA (mTLS). */
  clientCaFile: string | undefined;
  /** How often the files are read again (cert-manager renews them in place). */
  reloadSeconds: number;
}

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment (only the keys the API knows; empty strings count as unset). */
export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        const shown =
          picked[name] === undefined ? '' : ` (got ${JSON.stringify(redact(name, picked[name]))})`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    tls: tlsConfig(e),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.AEPO_API_DATA_DIR,
    embeddedPgPort: e.AEPO_API_EMBEDDED_PG_PORT,
    grpcAddress: e.AEPO_API_GRPC_ADDRESS,
    httpAddress: e.AEPO_API_HTTP_ADDRESS,
    adminToken: e.AEPO_ADMIN_TOKEN,
    executorToken: e.AEPO_EXECUTOR_TOKEN,
    models: e.AEPO_API_MODELS,
    leaseTtlSeconds: e.AEPO_API_LEASE_TTL_SECONDS,
    reaperIntervalMs: e.AEPO_API_REAPER_INTERVAL_MS,
    maxLeaseExpirations: e.AEPO_API_MAX_LEASE_EXPIRATIONS,
    datasetMaxRows: e.AEPO_API_DATASET_MAX_ROWS,
    datasetMaxRowBytes: e.AEPO_API_DATASET_MAX_ROW_BYTES,
    datasetMaxBytes: e.AEPO_API_DATASET_MAX_BYTES,
    quotas: {
      activeJobs: e.AEPO_API_QUOTA_ACTIVE_JOBS,
      concurrentUploads: e.AEPO_API_QUOTA_UPLOADS,
      datasetBytes: e.AEPO_API_QUOTA_DATASET_BYTES,
      openStreams: e.AEPO_API_QUOTA_STREAMS,
    },
    dbPoolSize: e.AEPO_API_DB_POOL_SIZE,
    authCacheMs: e.AEPO_API_AUTH_CACHE_MS,
    jobCacheMs: e.AEPO_API_JOB_CACHE_MS,
    shutdownGraceMs: e.AEPO_API_SHUTDOWN_GRACE_MS,
    bootstrapProject: e.AEPO_API_BOOTSTRAP_PROJECT,
    bootstrapFile: e.AEPO_API_BOOTSTRAP_FILE,
    logLevel: e.AEPO_API_LOG_LEVEL,
    webhooks: {
      concurrency: e.AEPO_API_WEBHOOK_CONCURRENCY,
      timeoutMs: e.AEPO_API_WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.AEPO_API_WEBHOOK_MAX_ATTEMPTS,
      maxAgeSeconds: e.AEPO_API_WEBHOOK_RETRY_HOURS * 3600,
      retryBaseMs: e.AEPO_API_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.AEPO_API_WEBHOOK_RETRY_MAX_MS,
      pollMs: e.AEPO_API_WEBHOOK_POLL_MS,
      allowPrivate: e.AEPO_API_WEBHOOK_ALLOW_PRIVATE,
      retentionDays: e.AEPO_API_WEBHOOK_RETENTION_DAYS,
    },
    objectStore: objectStoreFromEnv(env),
    artifactUrlTtlSeconds: e.AEPO_API_ARTIFACT_URL_TTL_SECONDS,
    mlflow: {
      trackingUri: e.AEPO_MLFLOW_TRACKING_URI,
      experimentName: e.AEPO_MLFLOW_EXPERIMENT_NAME,
      token: e.AEPO_MLFLOW_TRACKING_TOKEN,
      syncIntervalMs: e.AEPO_MLFLOW_SYNC_INTERVAL_MS,
      retryMaxMs: e.AEPO_MLFLOW_RETRY_MAX_MS,
      requestTimeoutMs: e.AEPO_MLFLOW_REQUEST_TIMEOUT_MS,
      concurrency: e.AEPO_MLFLOW_CONCURRENCY,
    },
  };
}

function objectStoreFromEnv(env: Record<string, string | undefined>): ObjectStoreConfig | undefined {
  try {
    return objectStoreConfigFromEnv(env);
  } catch (e) {
    if (e instanceof ObjectStoreConfigError) throw new ConfigError(e.problems);
    throw e;
  }
}

function tlsConfig(e: z.output<typeof envSchema>): ApiTlsConfig | undefined {
  const { AEPO_API_TLS_CERT_FILE: certFile, AEPO_API_TLS_KEY_FILE: keyFile } = e;
  if (certFile === undefined && keyFile === undefined) {
    if (e.AEPO_API_TLS_CLIENT_CA_FILE !== undefined)
      throw new ConfigError([
        'AEPO_API_TLS_CLIENT_CA_FILE: needs AEPO_API_TLS_CERT_FILE and AEPO_API_TLS_KEY_FILE (client certificates need TLS)',
      ]);
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined)
    throw new ConfigError([
      `${certFile === undefined ? 'AEPO_API_TLS_CERT_FILE' : 'AEPO_API_TLS_KEY_FILE'}: is required when ${certFile === undefined ? 'AEPO_API_TLS_KEY_FILE' : 'AEPO_API_TLS_CERT_FILE'} is set`,
    ]);
  return {
    certFile,
    keyFile,
    clientCaFile: e.AEPO_API_TLS_CLIENT_CA_FILE,
    reloadSeconds: e.AEPO_API_TLS_RELOAD_SECONDS,
  };
}

function redact(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /TOKEN|DATABASE_URL/.test(name) ? '<redacted>' : value;
}

/** Injection token of the ApiConfig provider. */
export const API_CONFIG = Symbol('ApiConfig');
