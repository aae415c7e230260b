/**
 * Every way a job gets back to a known state, in one place:
 * - resume: the engine and the trainer from the last checkpoint (the lease's, or one saved since), or
 *   from scratch without one;
 * - a failed step: retried from the state before it, a bounded number of times;
 * - an engine restart (crash, OOM kill): back to the last checkpoint, the API told to supersede the
 *   records of the lost steps; an engine that keeps dying without progress fails the job;
 * - a half-applied Train (ABORTED): back to the last checkpoint;
 * - out of memory: once more with half the token budget from the last checkpoint, then fail naming the knob;
 * - lease loss and failures: stop without writes when the lease is lost, otherwise report FAILED.
 */
import type { StepOutcome, TrainerState } from '@aepo/aepo';
import { executorV1 } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { LeaseLostError } from '../api/api-retry.js';
import { CheckpointError } from '../checkpoint/checkpoint.store.js';
import { ObjectStoreUnavailableError } from '../checkpoint/store-retry.js';
import type { CheckpointCoordinator } from './checkpoint-coordinator.js';
import type { EngineSession } from './engine-session.js';
import { ABANDON, raceGrace } from './grace.js';
import { JobFailure, errorMessage, grpcCode, isPermanentEngineError } from './job-errors.js';
import { JobSpecError } from './job-spec.mapper.js';
import type { JobTraining } from './job-training.js';
import type { LeaseSession } from './lease-session.js';

/** Training went back to the last checkpoint: the caller continues from there. */
export const REWOUND = Symbol('rewound');

export interface RecoveryOptions {
  engine: EngineSession;
  checkpoints: CheckpointCoordinator;
  training: JobTraining;
  session: LeaseSession;
  /** Failures of one step (and engine restarts without progress) survived before the job fails. */
  stepRetries: number;
  shutdownGraceMs: number;
  log: Logger;
}

export class Recovery {
  /** Engine restarts since the run last got past its furthest step (a crash loop fails the job). */
  private restartsWithoutProgress = 0;
  private furthestStep = 0;

  constructor(private readonly o: RecoveryOptions) {}

  /** (Re)loads the engine and the trainer from the last checkpoint, or from scratch without one. */
  async resume(): Promise<void> {
    const { engine, checkpoints, training, log } = this.o;
    const restored = await checkpoints.readLast();
    await engine.load(restored?.engineDir ?? null);
    training.restore(restored?.file.trainer, restored?.file.meta.targetRevision);
    log.info(
      { step: training.step, of: training.totalSteps },
      restored ? 'resumed from checkpoint' : 'starting',
    );
  }

  /**
   * One step; on an engine failure, retried from the state before it, or from the last checkpoint
   * (REWOUND) when the engine lost its state. ABANDON: a stop came and the step outran the grace period.
   */
  async step(stop: AbortSignal): Promise<StepOutcome | typeof ABANDON | typeof REWOUND> {
    const { engine, training, log } = this.o;
    for (let failures = 0; ;) {
      const before = training.state();
      try {
        if (engine.restarted) throw new Error('engine restarted');
        const outcome = await raceGrace(training.stepOnce(), stop, this.o.shutdownGraceMs);
        if (outcome !== ABANDON) this.progressed(outcome.record.step);
        return outcome;
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        failures++;
        log.warn({ err: errorMessage(e), step: before.step + 1, failures }, 'training step failed');
        if (await this.rewoundAfterStepFailure(e, before, failures)) return REWOUND;
      }
    }
  }

  /** A periodic checkpoint failed: if the engine died while saving, rewinds to the last one; else rethrows. */
  async afterCheckpointFailure(e: unknown): Promise<typeof REWOUND> {
    if (e instanceof CheckpointError || isPermanentEngineError(e)) throw e;
    this.o.log.warn({ err: errorMessage(e), step: this.o.training.step }, 'checkpoint failed in the engine');
    if (await this.rewindIfEngineRestarted(e)) return REWOUND;
    throw e;
  }

  /** True when training went back to the last checkpoint; false: retry from `before`. */
  private async rewoundAfterStepFailure(
    e: unknown,
    before: TrainerState,
    failures: number,
  ): Promise<boolean> {
    const step = before.step + 1;
    if (grpcCode(e) === status.RESOURCE_EXHAUSTED) {
      await this.retryWithHalfTheBudget(e, step);
      return true;
    }
    if (failures > this.o.stepRetries) {
      throw new JobFailure(
        status.ABORTED,
        `step ${step} failed ${failures} times in the engine; last error: ${errorMessage(e)}`,
      );
    }
    if (await this.rewindIfEngineRestarted(e)) return true;
    if (grpcCode(e) === status.ABORTED) {
      // A Train failed after applying part of its update: the weights are neither before nor
      // after the step, so only the last checkpoint is a known state.
      this.o.log.warn(
        { err: errorMessage(e) },
        'engine state half-updated; resuming from the last checkpoint',
      );
      await this.resume();
      return true;
    }
    this.o.training.retryFrom(before);
    return false;
  }

  private progressed(step: number): void {
    if (step > this.furthestStep) {
      this.furthestStep = step;
      this.restartsWithoutProgress = 0;
    }
  }

  /**
   * After an engine call failed: waits for a healthy engine; when it is a new process (its memory,
   * weights and optimizer are gone), restores the last checkpoint, tells the lease session to
   * supersede the records after it, and answers true. A job whose engine keeps dying without progress fails.
   */
  private async rewindIfEngineRestarted(cause: unknown): Promise<boolean> {
    if (!(await this.o.engine.waitHealthy())) return false;
    if (++this.restartsWithoutProgress > this.o.stepRetries) {
      throw new JobFailure(
        status.ABORTED,
        `the engine died ${this.restartsWithoutProgress} times without getting past step ${this.furthestStep}; last error: ${errorMessage(cause)}`,
      );
    }
    const toStep = this.o.checkpoints.lastStep;
    this.o.log.warn({ checkpointStep: toStep }, 'engine restarted; resuming from the last checkpoint');
    await this.resume();
    this.o.session.rewound(toStep, `engine restarted after: ${errorMessage(cause)}`);
    return true;
  }

  /**
   * After an out-of-memory step: reloads the engine with half the token budget and replays from the
   * last checkpoint (a known state, whatever the failed call had applied). A second one fails the
   * job naming the knob: never an endless retry.
   */
  private async retryWithHalfTheBudget(e: unknown, step: number): Promise<void> {
    const { engine } = this.o;
    const budget = engine.tokenBudget;
    if (engine.budgetReduced || budget <= 1) {
      throw new JobFailure(
        status.RESOURCE_EXHAUSTED,
        `step ${step} ran out of accelerator memory even with model.max_tokens_per_micro_batch ${budget}` +
          `${engine.budgetReduced ? ' (already halved once)' : ''}: lower spec.model.max_tokens_per_micro_batch ` +
          `(or rollout.max_tokens, or train a model.adapter); engine: ${errorMessage(e)}`,
      );
    }
    const to = Math.floor(budget / 2);
    engine.reduceTokenBudget(to);
    this.o.log.warn(
      { err: errorMessage(e), step, from: budget, to },
      'engine out of memory; retrying from the last checkpoint with half the token budget',
    );
    await this.resume();
  }
}

/**
 * Ends a run that threw: a lost lease stops without further writes ('lost'); anything else completes
 * the job FAILED with the error's google.rpc code ('failed', or 'lost' when even that cannot be sent).
 */
export async function endAfterError(
  e: unknown,
  session: LeaseSession,
  log: Logger,
): Promise<'failed' | 'lost'> {
  if (e instanceof LeaseLostError || session.leaseLost) {
    log.warn({ err: errorMessage(e) }, 'lease lost; stopping the job without further writes');
    return 'lost';
  }
  const failure = toJobFailure(e);
  log.error({ err: failure.message, stack: (e as Error).stack }, 'job failed');
  try {
    await session.complete(executorV1.Outcome.OUTCOME_FAILED, {
      code: failure.code,
      message: failure.message,
    });
  } catch (e2) {
    log.warn({ err: errorMessage(e2) }, 'could not report the failure');
    return 'lost';
  }
  return 'failed';
}

function toJobFailure(e: unknown): JobFailure {
  if (e instanceof JobFailure) return e;
  if (e instanceof JobSpecError) return new JobFailure(status.INVALID_ARGUMENT, e.message);
  if (e instanceof ObjectStoreUnavailableError) return new JobFailure(status.UNAVAILABLE, e.message);
  if (e instanceof CheckpointError) return new JobFailure(status.FAILED_PRECONDITION, e.message);
  return new JobFailure(status.INTERNAL, `executor error: ${errorMessage(e)}`);
}
