import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ObjectStoreConfig, ObjectStoreConfigError, objectStoreConfigFromEnv } from '@aepo/artifacts';
import { z } from 'zod';

const hostPort = (example: string) =>
  z.string().regex(/^[^\s:]+:\d{1,5}$/, `must be host:port, e.g. ${example}`);

const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The repository root, found from this module's location (src/config or dist/config). */
function defaultRepoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
}

/** The executor's settings, as an object (startExecutor) or from AEPO_EXECUTOR_* variables (main). */
const configSchema = z
  .object({
    /** The API's gRPC address (its internal ExecutorService). */
    apiAddress: hostPort('127.0.0.1:50051').default('127.0.0.1:50051'),
    /** Shared secret the API checks (the API's AEPO_EXECUTOR_TOKEN). */
    executorToken: z
      .string()
      .min(16, 'must be at least 16 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    /** TLS to the API (verified against the system CAs, or apiCaFile). Off: plaintext, with a warning. */
    apiTls: bool.default(false),
    /** CA that signed the API's certificate (implies apiTls). */
    apiCaFile: z.string().min(1).optional(),
    /** Client certificate and key for an API that requires them (mTLS; implies apiTls). */
    apiCertFile: z.string().min(1).optional(),
    apiKeyFile: z.string().min(1).optional(),
    /** Stable name of this executor (the pod name on Kubernetes). */
    executorId: z.string().min(1).max(200).default(`${hostname()}-${process.pid}`),
    /** HTTP /metrics /healthz /readyz; port 0 picks a free one. */
    httpAddress: hostPort('0.0.0.0:9400').default('0.0.0.0:9400'),
    /** Folder of the checkpoints (a shared volume on Kubernetes, so another pod can resume). */
    checkpointRoot: z.string().min(1).default('.data/checkpoints'),
    /** Checkpoint before ending a job on a cancel request. */
    checkpointOnCancel: bool.default(true),
    /** Exit once a lease long-poll finds the queue empty (one executor per Kubernetes Job, KEDA ScaledJob). */
    exitWhenIdle: bool.default(false),
    /** Model ids this executor can load; empty = any the API allows. */
    models: z.array(z.string().min(1)).default([]),
    /** LeaseJob long-poll in seconds. */
    leaseWaitSeconds: int(0, 300).default(20),
    /** Retries of a training step that failed in the engine, before the job fails. */
    stepRetries: int(0, 100).default(3),
    /** On SIGTERM: how long the current step may still run before it is abandoned. */
    shutdownGraceMs: int(0, 3_600_000).default(300_000),
    /** Backoff of API calls that failed for transport reasons: first delay and cap. */
    apiRetryInitialMs: int(1, 60_000).default(200),
    apiRetryMaxMs: int(1, 600_000).default(5_000),
    /** Deadline of a unary API call. */
    apiCallTimeoutMs: int(100, 600_000).default(15_000),
    /** Engine gRPC address: unix:///path.sock or 127.0.0.1:PORT. */
    engineAddress: z
      .string()
      .regex(/^(unix:\/\/\/\S+|[^\s:]+:\d{1,5})$/, 'must be unix:///path.sock or host:port')
      .default(`unix:///tmp/aepo-engine-${process.pid}.sock`),
    /** Spawn and supervise the engine (false: connect to one started elsewhere, no restarts). */
    engineSpawn: bool.default(true),
    /** How long the engine may take to answer its first health check. */
    engineStartTimeoutMs: int(1_000, 3_600_000).default(180_000),
    /** Torch / OpenMP threads of the engine; unset: the engine's default. */
    engineThreads: int(1, 1024).optional(),
    /** Extra environment of the engine process (AEPO_ENGINE_* settings). */
    engineEnv: z.record(z.string(), z.string()).default({}),
    /** The uv executable that runs the engine; unset: found on PATH, in ~/.local/bin or Python's user base. */
    uv: z.string().min(1).optional(),
    /** Repository root (the engine project is apps/gpu-executor/engine below it). */
    repoRoot: z.string().min(1).default(defaultRepoRoot()),
    /** Grading worker threads. */
    gradingWorkers: int(1, 256).default(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Artifacts in an object store (issue 17). Set: checkpoints and the exported model go to this
    // bucket (AEPO_ARTIFACTS_S3_*) and checkpointRoot is only the scratch folder they are built in.
    objectStore: z.custom<ObjectStoreConfig>((v) => typeof v === 'object' && v !== null).optional(),
    /** Backoff of object-store calls that failed (store down): first delay, cap, and when to give up. */
    artifactsRetryInitialMs: int(1, 600_000).default(1_000),
    artifactsRetryMaxMs: int(1, 3_600_000).default(30_000),
    artifactsGiveUpSeconds: int(1, 86_400).default(900),
  })
  .superRefine((c, ctx) => {
    // A client certificate without its key (or the reverse) cannot be presented.
    if ((c.apiCertFile === undefined) !== (c.apiKeyFile === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [c.apiCertFile === undefined ? 'apiCertFile' : 'apiKeyFile'],
        message: 'is required with the client certificate/key it pairs with',
      });
  });

export type ExecutorConfigInput = z.input<typeof configSchema>;
export type ExecutorConfig = Readonly<z.output<typeof configSchema>>;

/** Environment variable of each setting (engineEnv takes every AEPO_ENGINE_* variable). */
export const ENV_NAMES = {
  apiAddress: 'AEPO_EXECUTOR_API_ADDRESS',
  executorToken: 'AEPO_EXECUTOR_TOKEN',
  executorId: 'AEPO_EXECUTOR_ID',
  apiTls: 'AEPO_EXECUTOR_API_TLS',
  apiCaFile: 'AEPO_EXECUTOR_API_CA_FILE',
  apiCertFile: 'AEPO_EXECUTOR_API_CERT_FILE',
  apiKeyFile: 'AEPO_EXECUTOR_API_KEY_FILE',
  httpAddress: 'AEPO_EXECUTOR_HTTP_ADDRESS',
  checkpointRoot: 'AEPO_EXECUTOR_CHECKPOINT_DIR',
  checkpointOnCancel: 'AEPO_EXECUTOR_CHECKPOINT_ON_CANCEL',
  exitWhenIdle: 'AEPO_EXECUTOR_EXIT_WHEN_IDLE',
  models: 'AEPO_EXECUTOR_MODELS',
  leaseWaitSeconds: 'AEPO_EXECUTOR_LEASE_WAIT_SECONDS',
  stepRetries: 'AEPO_EXECUTOR_STEP_RETRIES',
  shutdownGraceMs: 'AEPO_EXECUTOR_SHUTDOWN_GRACE_MS',
  apiRetryInitialMs: 'AEPO_EXECUTOR_API_RETRY_INITIAL_MS',
  apiRetryMaxMs: 'AEPO_EXECUTOR_API_RETRY_MAX_MS',
  apiCallTimeoutMs: 'AEPO_EXECUTOR_API_CALL_TIMEOUT_MS',
  engineAddress: 'AEPO_EXECUTOR_ENGINE_ADDRESS',
  engineSpawn: 'AEPO_EXECUTOR_ENGINE_SPAWN',
  engineStartTimeoutMs: 'AEPO_EXECUTOR_ENGINE_START_TIMEOUT_MS',
  engineThreads: 'AEPO_EXECUTOR_ENGINE_THREADS',
  uv: 'AEPO_EXECUTOR_UV',
  repoRoot: 'AEPO_EXECUTOR_REPO_ROOT',
  gradingWorkers: 'AEPO_EXECUTOR_GRADING_WORKERS',
  logLevel: 'AEPO_EXECUTOR_LOG_LEVEL',
  artifactsRetryInitialMs: 'AEPO_EXECUTOR_ARTIFACTS_RETRY_INITIAL_MS',
  artifactsRetryMaxMs: 'AEPO_EXECUTOR_ARTIFACTS_RETRY_MAX_MS',
  artifactsGiveUpSeconds: 'AEPO_EXECUTOR_ARTIFACTS_GIVE_UP_SECONDS',
} as const satisfies Partial<Record<keyof ExecutorConfigInput, string>>;

/** Thrown when the settings are invalid; the message names every bad one. */
export class ExecutorConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid executor configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ExecutorConfigError';
  }
}

/** Validates a settings object (defaults filled in). */
export function resolveExecutorConfig(
  input: ExecutorConfigInput,
  names: Partial<Record<string, string>> = {},
): ExecutorConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ExecutorConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '(config)');
        return `${names[key] ?? key}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}

/** Reads the settings from the environment (empty strings count as unset). */
export function loadExecutorConfig(env: Record<string, string | undefined>): ExecutorConfig {
  const input: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    input[key] =
      key === 'models'
        ? value
            .split(',')
            .map((m) => m.trim())
            .filter((m) => m.length > 0)
        : value;
  }
  const engineEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('AEPO_ENGINE_') && value !== undefined) engineEnv[name] = value;
  }
  input.engineEnv = engineEnv;
  try {
    const objectStore = objectStoreConfigFromEnv(env);
    if (objectStore) input.objectStore = objectStore;
  } catch (e) {
    if (e instanceof ObjectStoreConfigError) throw new ExecutorConfigError(e.problems);
    throw e;
  }
  return resolveExecutorConfig(input as ExecutorConfigInput, ENV_NAMES);
}

/** Injection token of the ExecutorConfig provider. */
export const EXECUTOR_CONFIG = Symbol('ExecutorConfig');
