/**
 * The step loop of one lease: before each step it applies the last heartbeat answer (cancel, pause,
 * a new target) and a shutdown; each step is run (recovering from engine failures), checkpointed on
 * the spec's cadence, reported in a heartbeat, and only then is its checkpoint reported. The job ends
 * SUCCEEDED after the last step, with the model exported first.
 */
import { executorV1 } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SavedCheckpoint } from '../checkpoint/checkpoint.store.js';
import type { MetricsReporter } from '../metrics/metrics.reporter.js';
import type { CheckpointCoordinator } from './checkpoint-coordinator.js';
import type { EngineSession } from './engine-session.js';
import { ABANDON } from './grace.js';
import { JobFailure } from './job-errors.js';
import type { JobTraining } from './job-training.js';
import type { LeaseSession } from './lease-session.js';
import { toProtoEvaluation, toProtoStep } from './record.mapper.js';
import { REWOUND, type Recovery } from './recovery.js';

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'paused' | 'released' | 'lost';

export interface StepLoopOptions {
  session: LeaseSession;
  training: JobTraining;
  engine: EngineSession;
  checkpoints: CheckpointCoordinator;
  recovery: Recovery;
  metrics: MetricsReporter;
  log: Logger;
  /** Checkpoint cadence in steps (the last step is always checkpointed). */
  checkpointEvery: number;
  checkpointOnCancel: boolean;
  /** Steps in a row whose updates were all skipped (non-finite loss or gradient) that fail the job. */
  maxNonFiniteSteps: number;
}

/** One finished step: when its checkpoint was saved, and how long that took. */
interface Checkpointed {
  saved: SavedCheckpoint | null;
  seconds: number;
}

export class StepLoop {
  /** Steps in a row with skipped (non-finite) updates. */
  private nonFiniteRun = 0;

  constructor(private readonly o: StepLoopOptions) {}

  /** Runs steps until the job ends or is handed back. `stop`: the executor is shutting down. */
  async run(stop: AbortSignal): Promise<RunOutcome> {
    const { session, training, engine, checkpoints, recovery, log } = this.o;
    for (;;) {
      if (session.leaseLost) throw session.leaseLost;
      // Every step done: the job succeeded, whatever was requested meanwhile.
      if (training.done) return this.succeed();
      const c = session.control;
      if (c.cancelRequested) return this.cancel();
      if (c.pauseRequested) return this.handBack('pause requested', 'paused');
      if (stop.aborted) return this.handBack('executor shutting down', 'released');
      if (c.target && c.targetRevision > training.heldRevision)
        training.applyTarget(c.target, c.targetRevision);

      const t0 = performance.now();
      engine.timer.take();
      const outcome = await recovery.step(stop);
      if (outcome === REWOUND) continue;
      if (outcome === ABANDON) {
        log.warn('shutdown grace period over; abandoning the step and releasing the lease');
        await session.release('executor shut down mid-step');
        return 'released';
      }
      const { record, evaluation, events } = outcome;
      for (const ev of events) log.info({ event: ev.kind, step: ev.step }, ev.message);
      checkpoints.noteStep(record, evaluation);
      const checkpoint = await this.checkpointOnCadence(record.step);
      // The step's record is not sent yet: the replay from the last checkpoint redoes it.
      if (checkpoint === REWOUND) continue;
      const nonFiniteUpdates = engine.timer.takeNonFinite();
      session.enqueue(
        toProtoStep(record, session.attempt, checkpoint.seconds, nonFiniteUpdates),
        evaluation ? toProtoEvaluation(evaluation, session.attempt) : undefined,
      );
      this.o.metrics.step(record);
      await session.heartbeat();
      if (checkpoint.saved) await checkpoints.report(checkpoint.saved);
      this.checkNonFinite(record.step, nonFiniteUpdates);
      // Wall time of the whole iteration (step, grading, checkpoint, heartbeat) against the engine's
      // own compute time: the difference is the executor's overhead (bench:executor reads this line).
      const wallSeconds = (performance.now() - t0) / 1000;
      const engineSeconds = engine.timer.take();
      log.info(
        {
          step: record.step,
          wallSeconds,
          engineSeconds,
          checkpointSeconds: checkpoint.seconds,
          overheadSeconds: wallSeconds - engineSeconds,
        },
        'step done',
      );
    }
  }

  /** Saves a checkpoint on the spec's cadence and after the last step; REWOUND if the engine died meanwhile. */
  private async checkpointOnCadence(step: number): Promise<Checkpointed | typeof REWOUND> {
    if (step % this.o.checkpointEvery !== 0 && !this.o.training.done) return { saved: null, seconds: 0 };
    const t0 = performance.now();
    let saved: SavedCheckpoint;
    try {
      saved = await this.o.checkpoints.save(this.o.training);
    } catch (e) {
      return this.o.recovery.afterCheckpointFailure(e);
    }
    const seconds = (performance.now() - t0) / 1000;
    this.o.metrics.checkpoint(seconds);
    return { saved, seconds };
  }

  /** Fails the job after maxNonFiniteSteps steps in a row whose updates were skipped. */
  private checkNonFinite(step: number, skipped: number): void {
    this.nonFiniteRun = skipped > 0 ? this.nonFiniteRun + 1 : 0;
    if (this.nonFiniteRun >= this.o.maxNonFiniteSteps) {
      throw new JobFailure(
        status.ABORTED,
        `the loss or gradient norm was not finite in ${this.nonFiniteRun} steps in a row (steps ${step - this.nonFiniteRun + 1}..${step}); ` +
          'those updates were skipped: lower optimization.learning_rate or set optimization.grad_clip, or use model.precision FP32',
      );
    }
  }

  private async succeed(): Promise<RunOutcome> {
    // Exported (files, then manifest) before the job is completed with its URI: a recorded model is whole.
    const model = await this.o.checkpoints.exportModel();
    await this.o.session.complete(executorV1.Outcome.OUTCOME_SUCCEEDED, undefined, model ?? '');
    this.o.log.info({ steps: this.o.training.step }, 'job succeeded');
    return 'succeeded';
  }

  private async handBack(reason: string, result: 'paused' | 'released'): Promise<RunOutcome> {
    await this.o.checkpoints.flush(this.o.training);
    const res = await this.o.session.release(reason);
    this.o.log.info({ step: this.o.training.step, state: res.job?.state }, `lease released: ${reason}`);
    return result;
  }

  private async cancel(): Promise<RunOutcome> {
    if (this.o.checkpointOnCancel) await this.o.checkpoints.flush(this.o.training);
    await this.o.session.complete(executorV1.Outcome.OUTCOME_CANCELLED);
    this.o.log.info({ step: this.o.training.step }, 'job cancelled');
    return 'cancelled';
  }
}
