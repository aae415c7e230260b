import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type ExecutorConfigInput, resolveExecutorConfig } from './config/executor-config.js';
import type { ClosableEngine } from './engine/engine-client.factory.js';
import { ExecutorModule } from './executor.module.js';
import { ExecutorService } from './executor.service.js';

export {
  type ExecutorConfig,
  type ExecutorConfigInput,
  ENV_NAMES,
  ExecutorConfigError,
  loadExecutorConfig,
  resolveExecutorConfig,
} from './config/executor-config.js';
export { registerExecutorMetrics, type ExecutorMetrics } from './metrics/executor-metrics.js';

export interface RunningExecutor {
  /** `http://host:port/metrics` of this executor (the same port serves /healthz and /readyz). */
  metricsUrl: string;
  /** Resolves when the executor stopped by itself (AEPO_EXECUTOR_EXIT_WHEN_IDLE). */
  finished: Promise<void>;
  /** Resolves with the reason when the engine cannot be started; the executor then takes no jobs. */
  failed: Promise<Error>;
  /** Hands the running job back (checkpoint, release) and stops the engine and the HTTP port. */
  close(): Promise<void>;
}

/**
 * Starts an executor in this process: HTTP port, supervised engine, lease loop. Settings as in
 * `loadExecutorConfig` (AEPO_EXECUTOR_*), given as an object; `executorToken` is required.
 */
export async function startExecutor(
  input: ExecutorConfigInput,
  overrides: { engineClient?: ClosableEngine } = {},
): Promise<RunningExecutor> {
  const config = resolveExecutorConfig(input);
  const app = await NestFactory.createApplicationContext(ExecutorModule.forRoot(config, overrides), {
    logger: false,
    abortOnError: false,
  });
  const service = app.get(ExecutorService);
  const metricsUrl = await service.start();
  let closing: Promise<void> | null = null;
  return {
    metricsUrl,
    finished: service.finished,
    failed: service.failed,
    close: () =>
      (closing ??= (async () => {
        await service.stop();
        await app.close();
      })()),
  };
}
