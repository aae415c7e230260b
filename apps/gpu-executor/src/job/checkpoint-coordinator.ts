/**
 * The job's checkpoints: verifies the lease's resume point, saves the engine's and the trainer's state
 * together, reports a checkpoint only after the heartbeat carrying its step got through (so a resume
 * never starts after a step the API lacks), prunes old ones and exports the model of the last one.
 */
import type { EvaluationRecord, StepRecord, TrainerState } from '@aepo/aepo';
import type { Checkpoint, JobSpec } from '@aepo/contracts';
import type { Logger } from 'pino';
import {
  type CheckpointBackend,
  CheckpointError,
  type RestoredCheckpoint,
  type SavedCheckpoint,
} from '../checkpoint/checkpoint.store.js';
import type { MetricsReporter } from '../metrics/metrics.reporter.js';
import type { EngineSession } from './engine-session.js';
import { errorMessage } from './job-errors.js';
import { checkpointKeepLast } from './job-spec.mapper.js';
import type { LeaseSession } from './lease-session.js';

/** The training progress a checkpoint captures. */
export interface TrainingProgress {
  readonly step: number;
  readonly done: boolean;
  readonly heldRevision: number;
  state(): TrainerState;
}

export interface CheckpointCoordinatorOptions {
  store: CheckpointBackend;
  session: LeaseSession;
  engine: EngineSession;
  spec: JobSpec;
  metrics: MetricsReporter;
  log: Logger;
}

export class CheckpointCoordinator {
  private last: SavedCheckpoint | null = null;
  /** The newest step and evaluation records: a checkpoint's entropy, band, reward and accuracy. */
  private lastRecord: StepRecord | null = null;
  private lastEvaluation: EvaluationRecord | null = null;

  constructor(private readonly o: CheckpointCoordinatorOptions) {}

  /** Step of the last checkpoint (0: none; training restarts from scratch). */
  get lastStep(): number {
    return this.last?.meta.step ?? 0;
  }

  /** Takes the lease's resume point as the last checkpoint, after checking it is this job's at that step. */
  async adoptResumePoint(resumeFrom: Checkpoint, jobId: string): Promise<void> {
    const restored = await this.o.store.read(resumeFrom.uri);
    const meta = restored.file.meta;
    if (meta.jobId !== jobId || restored.file.trainer.step !== resumeFrom.step) {
      throw new CheckpointError(
        `checkpoint ${resumeFrom.uri} holds job ${meta.jobId} step ${restored.file.trainer.step}, expected job ${jobId} step ${resumeFrom.step}`,
      );
    }
    this.last = { uri: resumeFrom.uri, dir: restored.dir, sizeBytes: resumeFrom.sizeBytes, meta };
  }

  /** The last checkpoint read back (its trainer state and engine folder), or null without one. */
  readLast(): Promise<RestoredCheckpoint | null> {
    return this.last ? this.o.store.read(this.last.uri) : Promise.resolve(null);
  }

  /** Remembers a step's records for the meta of the next checkpoint. */
  noteStep(record: StepRecord, evaluation: EvaluationRecord | undefined): void {
    this.lastRecord = record;
    if (evaluation) this.lastEvaluation = evaluation;
  }

  /** Saves the engine and the trainer at the current step; reported later (see report). */
  async save(progress: TrainingProgress): Promise<SavedCheckpoint> {
    const r = this.lastRecord;
    const step = progress.step;
    const ev = this.lastEvaluation && this.lastEvaluation.step === step ? this.lastEvaluation : null;
    const saved = await this.o.store.save(
      {
        jobId: this.o.session.jobId,
        step,
        attempt: this.o.session.attempt,
        targetRevision: progress.heldRevision,
        entropy: r?.entropyFullVocab ?? 0,
        inBand: r?.inBand ?? false,
        rewardMean: r?.rewardMean ?? 0,
        ...(ev ? { validationAccuracy: ev.accuracy } : {}),
      },
      progress.state(),
      (dir) => this.o.engine.saveCheckpoint(dir, progress.done),
    );
    this.last = saved;
    return saved;
  }

  /** Reports a saved checkpoint (after the heartbeat carrying its step succeeded), then prunes old ones. */
  async report(saved: SavedCheckpoint): Promise<void> {
    const m = saved.meta;
    await this.o.session.reportCheckpoint({
      step: m.step,
      uri: saved.uri,
      entropy: m.entropy,
      inBand: m.inBand,
      rewardMean: m.rewardMean,
      ...(m.validationAccuracy !== undefined ? { validationAccuracy: m.validationAccuracy } : {}),
      sizeBytes: saved.sizeBytes,
    });
    await this.o.store.prune(this.o.session.jobId, checkpointKeepLast(this.o.spec)).catch((e: unknown) => {
      this.o.log.warn({ err: errorMessage(e) }, 'checkpoint pruning failed');
    });
  }

  /** Before handing the job back: checkpoints unsaved progress, flushes the records, reports the checkpoint. */
  async flush(progress: TrainingProgress): Promise<void> {
    let saved: SavedCheckpoint | null = null;
    if (progress.step > this.lastStep) {
      const t0 = performance.now();
      saved = await this.save(progress);
      this.o.metrics.checkpoint((performance.now() - t0) / 1000);
    }
    if (this.o.session.pendingSteps > 0) await this.o.session.heartbeat();
    if (saved) await this.report(saved);
  }

  /** After the job succeeded: publishes the last checkpoint's model (files, then manifest); where, or null. */
  async exportModel(): Promise<string | null> {
    const model = this.last ? await this.o.store.exportModel(this.last) : null;
    if (model) this.o.log.info({ uri: model, step: this.last?.meta.step }, 'model exported');
    return model;
  }
}
