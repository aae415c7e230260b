/** Starts and stops the executor's parts in order: HTTP port, engine, work loop. */
import { Inject, Injectable } from '@nestjs/common';
import type { GradingPool } from '@aepo/rewards';
import type { ExecutorApi } from './api/executor-api.port.js';
import { LOGGER, type Logger } from './common/logger.js';
import type { EngineSupervisor } from './engine/engine-supervisor.js';
import type { HealthServer } from './http/health-server.js';
import type { WorkLoop } from './worker/work-loop.js';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor-config.js';

export const ENGINE_SUPERVISOR = Symbol('EngineSupervisor');
export const WORK_LOOP = Symbol('WorkLoop');
export const HEALTH_SERVER = Symbol('HealthServer');
export const EXECUTOR_API = Symbol('ExecutorApi');
export const GRADING_POOL = Symbol('GradingPool');

@Injectable()
export class ExecutorService {
  private metricsUrl: string | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(ENGINE_SUPERVISOR) private readonly engine: EngineSupervisor,
    @Inject(WORK_LOOP) private readonly loop: WorkLoop,
    @Inject(HEALTH_SERVER) private readonly http: HealthServer,
    @Inject(EXECUTOR_API) private readonly api: ExecutorApi,
    @Inject(GRADING_POOL) private readonly grader: GradingPool,
  ) {}

  /** Opens the HTTP port, starts the engine in the background and the work loop; returns the /metrics URL. */
  async start(): Promise<string> {
    const base = await this.http.listen(this.config.httpAddress);
    this.metricsUrl = `${base}/metrics`;
    // The supervisor logs why a start failed; when it gives up, the work loop stops (a running job is
    // handed back) and `failed` tells the process to end.
    this.engine.start().catch(() => undefined);
    void this.engine.failed.then(() => this.loop.stop());
    this.loop.start();
    this.log.info(
      {
        executorId: this.config.executorId,
        api: this.config.apiAddress,
        http: base,
        engine: this.config.engineAddress,
      },
      'executor started',
    );
    return this.metricsUrl;
  }

  /** Resolves with the reason when the engine cannot be started (the executor is of no use then). */
  get failed(): Promise<Error> {
    return this.engine.failed;
  }

  /** Resolves when the work loop ends by itself (exit when idle) or after stop(). */
  get finished(): Promise<void> {
    return this.loop.finished;
  }

  /** Hands the running job back (checkpoint + release within the grace period), then stops everything. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.log.info('executor stopping');
      await this.loop.stop();
      await this.engine.stop().catch(() => undefined);
      await this.grader.close().catch(() => undefined);
      this.api.close();
      await this.http.close();
      this.log.info('executor stopped');
    })();
    return this.stopped;
  }
}
