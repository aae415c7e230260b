import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { JobRepository } from '../jobs/job.repository.js';
import { ShutdownSignal } from '../server/shutdown.signal.js';
import { MlflowClient, MlflowError } from './mlflow.client.js';
import { MlflowMetrics } from './mlflow.metrics.js';
import { syncJob } from './mlflow-job.sync.js';
import { ClaimLostError, MlflowRunRepository, type TrackedRun } from './mlflow-run.repository.js';

/** A replica that stops renewing its claim (crashed) lets another take the job after this. */
const CLAIM_TTL_SECONDS = 60;
const FIRST_RETRY_MS = 500;
/** Due jobs claimed per round for each of the `concurrency` workers. */
const CLAIMS_PER_WORKER = 8;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to `maxMs`. */
export function retryDelayMs(failures: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/**
 * Sends every tracked job's records to its MLflow run, in the background of each API replica: apart
 * from the executor protocol (a step's rpc never waits on MLflow), from the stored records, batched,
 * retried with backoff while a server is down, and resumed from the stored cursors after a restart.
 */
@Injectable()
export class MlflowTracker implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(MlflowRunRepository) private readonly runs: MlflowRunRepository,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(MlflowMetrics) private readonly metrics: MlflowMetrics,
    @Inject(ShutdownSignal) private readonly shutdown: ShutdownSignal,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.shutdown.signal.addEventListener('abort', () => this.stopping.abort());
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.tick;
  }

  private schedule(): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.tick = this.runOnce()
        .catch((err: unknown) => this.logger.warn({ err }, 'mlflow tracker tick failed'))
        .finally(() => this.schedule());
    }, this.config.mlflow.syncIntervalMs);
    this.timer.unref();
  }

  /**
   * One round: picks up new tracked jobs, then syncs the due ones, `concurrency` at once. It claims
   * more than that (most due jobs have nothing new: one query each), so that every running job is
   * looked at about once per interval.
   */
  async runOnce(): Promise<void> {
    await this.runs.discover();
    const { concurrency } = this.config.mlflow;
    const queue = await this.runs.claim(randomUUID(), concurrency * CLAIMS_PER_WORKER, CLAIM_TTL_SECONDS);
    const worker = async () => {
      for (let run = queue.shift(); run; run = queue.shift()) await this.syncOne(run);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  private async syncOne(run: TrackedRun): Promise<void> {
    const cfg = this.config.mlflow;
    try {
      const job = await this.runs.job(run.jobId);
      if (!job) return;
      const client = new MlflowClient(run.trackingUri, {
        // The deployment's credentials go to the deployment's server only, never to one a job named.
        token: run.trackingUri === cfg.trackingUri ? cfg.token : undefined,
        timeoutMs: cfg.requestTimeoutMs,
        signal: this.stopping.signal,
      });
      const done = await syncJob(
        {
          client,
          runs: this.runs,
          claimTtlSeconds: CLAIM_TTL_SECONDS,
          onMetricsLogged: (n) => this.metrics.metricsLogged.inc(n),
          onServerAnswered: () => this.recovered(run),
        },
        run,
        job,
      );
      await this.runs.release(run, done ? 0 : cfg.syncIntervalMs, { failures: 0, lastError: null });
    } catch (err) {
      await this.failed(run, err).catch((e: unknown) =>
        this.logger.warn({ err: e, jobId: run.jobId }, 'mlflow sync bookkeeping failed'),
      );
    }
  }

  /** The first answer after an outage: the outage ends, with one event. */
  private async recovered(run: TrackedRun): Promise<void> {
    if (run.outageSince === null) return;
    const seconds = Math.round((Date.now() - run.outageSince.getTime()) / 1000);
    await this.runs.update(run, { outageSince: null }, CLAIM_TTL_SECONDS);
    run.outageSince = null;
    await this.appendEvent(
      run.jobId,
      'TRACKING_RECOVERED',
      `MLflow at ${run.trackingUri} answers again after ${seconds} s; the records of the gap are being sent`,
    );
    this.logger.info({ jobId: run.jobId, seconds }, 'mlflow tracking recovered');
  }

  private async failed(run: TrackedRun, err: unknown): Promise<void> {
    if (err instanceof ClaimLostError) return;
    if (this.stopping.signal.aborted) {
      // Shutting down: not an outage; the next start (or another replica) goes on from the cursors.
      await this.runs.release(run, 0);
      return;
    }
    const mlflow = err instanceof MlflowError;
    if (!mlflow) {
      this.logger.warn({ err, jobId: run.jobId }, 'mlflow sync failed');
      await this.runs.release(run, retryDelayMs(run.failures + 1, this.config.mlflow.retryMaxMs), {
        failures: run.failures + 1,
        lastError: String((err as Error).message ?? err).slice(0, 2000),
      });
      return;
    }
    const reason = err.unreachable ? 'unreachable' : 'refused';
    this.metrics.syncFailures.inc({ reason });
    const delay = retryDelayMs(run.failures + 1, this.config.mlflow.retryMaxMs);
    const firstOfOutage = run.outageSince === null;
    await this.runs.release(run, delay, {
      failures: run.failures + 1,
      lastError: err.message.slice(0, 2000),
      ...(firstOfOutage ? { outageSince: new Date() } : {}),
    });
    if (firstOfOutage) {
      await this.appendEvent(
        run.jobId,
        'TRACKING_UNAVAILABLE',
        `MLflow at ${run.trackingUri} ${err.unreachable ? 'is unreachable' : 'refused a request'} (${err.message}); ` +
          'training goes on and the records are sent when it answers',
      );
      this.logger.warn({ jobId: run.jobId, err: err.message }, 'mlflow tracking unavailable');
    }
  }

  private appendEvent(jobId: string, type: string, message: string): Promise<void> {
    return this.jobs.transaction((m) =>
      this.jobs.appendEvents(m, jobId, [{ type, message: message.slice(0, 2000) }]),
    );
  }
}
