/**
 * libs/aepo's Trainer for one job and the entropy target it runs with. The trainer is rebuilt from a
 * state when training goes back (a retried step, a restored checkpoint) and when a new target arrives;
 * the revisions say which target the config was built with and which one the trainer holds.
 */
import {
  type AlgorithmConfig,
  type StepOutcome,
  Trainer,
  type TrainerEvent,
  type TrainerState,
} from '@aepo/aepo';
import type { EntropyTarget, JobSpec } from '@aepo/contracts';
import type { Logger } from 'pino';
import type { ExecutorEngine } from '../engine/engine.port.js';
import type { JobData } from './dataset-loader.js';
import { errorMessage } from './job-errors.js';
import { toAlgorithmConfig } from './job-spec.mapper.js';

export interface JobTrainingOptions {
  spec: JobSpec;
  config: AlgorithmConfig;
  /** Target revision `config` was built with (the lease's). */
  revision: number;
  data: JobData;
  /** The engine as the trainer calls it. */
  engine: ExecutorEngine;
  log: Logger;
}

export class JobTraining {
  private config: AlgorithmConfig;
  private configRevision: number;
  private held: number;
  private trainer: Trainer;

  constructor(private readonly o: JobTrainingOptions) {
    this.config = o.config;
    this.configRevision = o.revision;
    this.held = o.revision;
    this.trainer = this.build(undefined);
  }

  /** Steps completed. */
  get step(): number {
    return this.trainer.step;
  }

  get totalSteps(): number {
    return this.trainer.totalSteps;
  }

  get done(): boolean {
    return this.trainer.done;
  }

  /** Target revision the trainer runs with (stored in each checkpoint). */
  get heldRevision(): number {
    return this.held;
  }

  state(): TrainerState {
    return this.trainer.state();
  }

  stepOnce(): Promise<StepOutcome> {
    return this.trainer.stepOnce();
  }

  /** Goes back to `state` (the one before a failed step) under the current target. */
  retryFrom(state: TrainerState): void {
    this.trainer = this.build(state);
  }

  /**
   * Continues from a checkpoint's trainer state (or from scratch without one). A checkpoint saved
   * under an older target revision gets the current target, applying from its next step.
   */
  restore(state: TrainerState | undefined, checkpointRevision: number | undefined): void {
    this.trainer = this.build(state);
    this.held = this.configRevision;
    if (checkpointRevision !== undefined && checkpointRevision < this.configRevision) {
      this.trainer.setTarget(this.config.entropy.target);
    }
  }

  /** A new target from a heartbeat answer: applies from the next step; one the trainer rejects is skipped. */
  applyTarget(target: EntropyTarget, revision: number): void {
    let config: AlgorithmConfig;
    try {
      config = toAlgorithmConfig(this.o.spec, target);
    } catch (e) {
      this.o.log.error({ err: errorMessage(e), revision }, 'ignoring an entropy target the trainer rejects');
      this.held = revision;
      return;
    }
    const state = this.trainer.state();
    this.config = config;
    this.configRevision = revision;
    this.trainer = this.build(state);
    const ev: TrainerEvent = this.trainer.setTarget(config.entropy.target);
    this.held = revision;
    this.o.log.info({ revision }, ev.message);
  }

  private build(state: TrainerState | undefined): Trainer {
    return new Trainer({
      config: this.config,
      engine: this.o.engine,
      reward: this.o.data.reward,
      trainSet: this.o.data.trainSet,
      validationSet: this.o.data.validationSet,
      ...(state ? { state } : {}),
    });
  }
}
