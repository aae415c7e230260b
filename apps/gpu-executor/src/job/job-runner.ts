/**
 * Runs one lease to its end: loads the data, has lease-parts.ts assemble the parts (each with one
 * job), brings them to the lease's starting point and hands the run to the step loop:
 * - DatasetLoader: the job's rows and reward function;
 * - EngineSession: the engine's Load, checkpoints and restarts;
 * - JobTraining: libs/aepo's Trainer and the entropy target it runs with;
 * - CheckpointCoordinator: save, report (after the heartbeat of its step), prune, export;
 * - Recovery: every way back to a known state (resume, retries, engine restarts, lease loss);
 * - StepLoop: the steps, the heartbeats and the controls (cancel, pause, target, shutdown).
 *
 * Ordering that keeps the job's step history gap-free: a checkpoint of step s is saved, then the
 * heartbeat carrying step s (and every earlier unacknowledged step) must succeed, and only then is
 * the checkpoint reported. A resume therefore never starts after a step the API does not have; steps
 * replayed after a checkpoint are deduplicated by the API.
 */
import { jobIdOf, type executorV1 } from '@aepo/contracts';
import type { Logger } from 'pino';
import type { ExecutorApi } from '../api/executor-api.port.js';
import type { CheckpointBackend } from '../checkpoint/checkpoint.store.js';
import type { MetricsReporter } from '../metrics/metrics.reporter.js';
import { DatasetLoader, type Grader } from './dataset-loader.js';
import type { EngineHandle } from './engine-session.js';
import { toAlgorithmConfig, toGraderSpec } from './job-spec.mapper.js';
import { assembleLeaseParts } from './lease-parts.js';
import { LeaseSession } from './lease-session.js';
import { endAfterError } from './recovery.js';
import type { RunOutcome, StepLoop } from './step-loop.js';

export type { Grader } from './dataset-loader.js';
export type { EngineHandle } from './engine-session.js';
export type { RunOutcome } from './step-loop.js';

export interface JobRunnerOptions {
  api: ExecutorApi;
  engine: EngineHandle;
  store: CheckpointBackend;
  grader: Grader;
  metrics: MetricsReporter;
  log: Logger;
  stepRetries: number;
  checkpointOnCancel: boolean;
  shutdownGraceMs: number;
  apiRetry: { initialMs: number; maxMs: number };
  /** Steps in a row whose updates were all skipped (non-finite loss or gradient) that fail the job. Default 3. */
  maxNonFiniteSteps?: number;
}

export class JobRunner {
  private readonly datasets: DatasetLoader;

  constructor(private readonly o: JobRunnerOptions) {
    this.datasets = new DatasetLoader({ api: o.api, grader: o.grader, apiRetry: o.apiRetry });
  }

  /** Runs the lease until the job ends, is handed back, or the lease is lost. `stop`: SIGTERM. */
  async run(lease: executorV1.Lease, stop: AbortSignal): Promise<RunOutcome> {
    const job = lease.job;
    const spec = job?.spec;
    if (!job || !spec) throw new Error('lease without a job spec');
    const jobId = jobIdOf(job.name);
    const log = this.o.log.child({ jobId, attempt: lease.attempt });
    const session = new LeaseSession({
      api: this.o.api,
      jobId,
      attempt: lease.attempt,
      leaseTtlSeconds: lease.leaseTtlSeconds,
      lastRecordedStep: lease.lastRecordedStep,
      initial: {
        cancelRequested: job.cancelRequested,
        pauseRequested: job.pauseRequested,
        target: spec.entropyTarget,
        targetRevision: job.entropyTargetRevision,
      },
      retry: this.o.apiRetry,
      log,
    });
    session.startKeepAlive();
    this.o.metrics.jobStarted({ id: jobId, model: spec.baseModel, algorithm: spec.algorithm });
    log.info({ model: spec.baseModel, resumeFrom: lease.resumeFrom?.step ?? null }, 'job leased');
    try {
      const loop = await this.prepare(lease, session, log);
      return await loop.run(stop);
    } catch (e) {
      return await endAfterError(e, session, log);
    } finally {
      session.close();
      this.o.metrics.jobEnded();
    }
  }

  /** Loads the data, builds the parts, and brings engine and trainer to the lease's starting point. */
  private async prepare(lease: executorV1.Lease, session: LeaseSession, log: Logger): Promise<StepLoop> {
    const job = lease.job!;
    const spec = job.spec!;
    const graderSpec = toGraderSpec(spec.grader);
    const config = toAlgorithmConfig(spec);
    const withValidation = Boolean(spec.validationDataset) && config.validation.everySteps > 0;
    const data = await this.datasets.load(session, graderSpec, withValidation);

    const { checkpoints, recovery, loop } = assembleLeaseParts({
      spec,
      config,
      targetRevision: job.entropyTargetRevision,
      data,
      session,
      engine: this.o.engine,
      store: this.o.store,
      metrics: this.o.metrics,
      log,
      stepRetries: this.o.stepRetries,
      shutdownGraceMs: this.o.shutdownGraceMs,
      checkpointOnCancel: this.o.checkpointOnCancel,
      maxNonFiniteSteps: this.o.maxNonFiniteSteps ?? 3,
    });
    if (lease.resumeFrom) await checkpoints.adoptResumePoint(lease.resumeFrom, session.jobId);
    await recovery.resume();
    return loop;
  }
}
