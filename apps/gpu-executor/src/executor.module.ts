import { type DynamicModule, Module } from '@nestjs/common';
import { GradingPool } from '@aepo/rewards';
import { Registry } from 'prom-client';
import { apiChannelCredentials, usesApiTls } from './api/api-credentials.js';
import { ExecutorApiClient } from './api/executor-api.client.js';
import type { ExecutorApi } from './api/executor-api.port.js';
import { checkpointBackend } from './checkpoint/checkpoint-backend.factory.js';
import { LOGGER, type Logger, createLogger } from './common/logger.js';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor-config.js';
import { type ClosableEngine, connectEngine } from './engine/engine-client.factory.js';
import { EngineProcess } from './engine/engine-process.js';
import { EngineSupervisor } from './engine/engine-supervisor.js';
import { findUv } from './engine/uv-binary.js';
import {
  ENGINE_SUPERVISOR,
  EXECUTOR_API,
  ExecutorService,
  GRADING_POOL,
  HEALTH_SERVER,
  WORK_LOOP,
} from './executor.service.js';
import { HealthServer } from './http/health-server.js';
import { JobRunner } from './job/job-runner.js';
import { registerExecutorMetrics } from './metrics/executor-metrics.js';
import { MetricsReporter } from './metrics/metrics.reporter.js';
import { WorkLoop } from './worker/work-loop.js';

export const METRICS_REGISTRY = Symbol('Registry');
const ENGINE_CLIENT = Symbol('EngineClient');

function engineEnv(config: ExecutorConfig): Record<string, string> {
  const env = { ...config.engineEnv };
  if (config.engineThreads !== undefined) {
    const t = String(config.engineThreads);
    Object.assign(env, { OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, AEPO_ENGINE_THREADS: t });
  }
  return env;
}

/** The executor's object graph, built from a validated config. */
@Module({})
export class ExecutorModule {
  static forRoot(config: ExecutorConfig, overrides: { engineClient?: ClosableEngine } = {}): DynamicModule {
    return {
      module: ExecutorModule,
      providers: [
        { provide: EXECUTOR_CONFIG, useValue: config },
        { provide: LOGGER, useFactory: () => createLogger(config.logLevel) },
        { provide: METRICS_REGISTRY, useFactory: () => new Registry() },
        {
          provide: MetricsReporter,
          inject: [METRICS_REGISTRY],
          useFactory: (r: Registry) => new MetricsReporter(registerExecutorMetrics(r)),
        },
        {
          provide: EXECUTOR_API,
          inject: [LOGGER],
          useFactory: (log: Logger) => {
            if (!usesApiTls(config))
              log.warn(
                { api: config.apiAddress },
                'the API is reached in plaintext (the executor token crosses the network unencrypted); ' +
                  'set AEPO_EXECUTOR_API_CA_FILE or AEPO_EXECUTOR_API_TLS=true outside local use',
              );
            return new ExecutorApiClient(
              config.apiAddress,
              config.executorToken,
              config.apiCallTimeoutMs,
              apiChannelCredentials(config),
            );
          },
        },
        { provide: GRADING_POOL, useFactory: () => new GradingPool({ workers: config.gradingWorkers }) },
        {
          provide: ENGINE_CLIENT,
          useFactory: async () => overrides.engineClient ?? (await connectEngine(config.engineAddress)),
        },
        {
          provide: ENGINE_SUPERVISOR,
          inject: [ENGINE_CLIENT, LOGGER, MetricsReporter],
          useFactory: (client: ClosableEngine, log: Logger, metrics: MetricsReporter) => {
            const engineLog = log.child({ component: 'engine' });
            let uv: string | undefined;
            // Found once, on the first start; a missing uv fails that start for good.
            const resolveUv = () => (uv ??= config.uv ?? findUv());
            return new EngineSupervisor({
              client,
              log: engineLog,
              onRestart: () => metrics.engineRestarted(),
              spawn: config.engineSpawn
                ? () =>
                    EngineProcess.start({
                      address: config.engineAddress,
                      repoRoot: config.repoRoot,
                      env: engineEnv(config),
                      uv: resolveUv,
                      startTimeoutMs: config.engineStartTimeoutMs,
                      healthCheck: () => client.health(),
                      onLog: (line) => engineLog.debug(line),
                    })
                : null,
            });
          },
        },
        {
          provide: JobRunner,
          inject: [EXECUTOR_API, ENGINE_SUPERVISOR, GRADING_POOL, MetricsReporter, LOGGER],
          useFactory: (
            api: ExecutorApi,
            engine: EngineSupervisor,
            grader: GradingPool,
            metrics: MetricsReporter,
            log: Logger,
          ) =>
            new JobRunner({
              api,
              engine,
              store: checkpointBackend(config, log),
              grader,
              metrics,
              log,
              stepRetries: config.stepRetries,
              checkpointOnCancel: config.checkpointOnCancel,
              shutdownGraceMs: config.shutdownGraceMs,
              apiRetry: { initialMs: config.apiRetryInitialMs, maxMs: config.apiRetryMaxMs },
            }),
        },
        {
          provide: WORK_LOOP,
          inject: [EXECUTOR_API, JobRunner, ENGINE_SUPERVISOR, LOGGER],
          useFactory: (api: ExecutorApi, runner: JobRunner, engine: EngineSupervisor, log: Logger) =>
            new WorkLoop({
              api,
              runner,
              executorId: config.executorId,
              models: config.models,
              leaseWaitSeconds: config.leaseWaitSeconds,
              exitWhenIdle: config.exitWhenIdle,
              retry: { initialMs: config.apiRetryInitialMs, maxMs: config.apiRetryMaxMs },
              beforeLease: () => engine.ensureHealthy(),
              log,
            }),
        },
        {
          provide: HEALTH_SERVER,
          inject: [METRICS_REGISTRY, ENGINE_SUPERVISOR, WORK_LOOP],
          useFactory: (registry: Registry, engine: EngineSupervisor, loop: WorkLoop) =>
            new HealthServer(registry, {
              live: () => true,
              notReady: () =>
                loop.stopping
                  ? 'shutting down'
                  : engine.running
                    ? null
                    : `engine not running${engine.startError ? ` (${engine.startError.message.split('\n')[0]})` : ''}`,
            }),
        },
        ExecutorService,
      ],
      exports: [ExecutorService, METRICS_REGISTRY],
    };
  }
}
