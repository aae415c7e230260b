import { Inject, Injectable } from '@nestjs/common';
import {
  EntropyTarget,
  EvaluationRecord,
  JobSpec,
  StepRecord,
  type Checkpoint,
  type executorV1,
} from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error.js';
import { Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { JobEntity } from '../database/entities/index.js';
import type { Tx } from '../database/tx.js';
import { SPEC_DEFAULTS } from '../jobs/job-spec.defaults.js';
import { JobRepository, type JobProgress } from '../jobs/job.repository.js';
import { honestJson } from '../records/honest-json.js';
import { RecordRepository } from '../records/record.repository.js';
import { toCheckpointProto } from '../records/record.service.js';
import { LeaseFence } from './lease-fence.js';
import { RewindService } from './rewind.service.js';

export interface Control {
  expireTime: Date;
  cancelRequested: boolean;
  pauseRequested: boolean;
  entropyTarget: EntropyTarget | undefined;
  entropyTargetRevision: number;
}

/** Steps in range. Doubles may be NaN or infinite (a diverging loss): stored as they are. */
export function checkRecords(
  v: Violations,
  field: string,
  records: { step: number }[],
  stepMin: number,
): void {
  records.forEach((r, i) => {
    v.range(`${field}[${i}].step`, r.step, stepMin, 1e12, { integer: true });
  });
}

/** What a running attempt reports: step and evaluation records, engine restarts, checkpoints. */
@Injectable()
export class ExecutorProgressService {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RecordRepository) private readonly records: RecordRepository,
    @Inject(LeaseFence) private readonly fence: LeaseFence,
    @Inject(RewindService) private readonly rewinder: RewindService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    const v = new Violations();
    checkRecords(v, 'steps', req.steps, 1);
    checkRecords(v, 'evaluations', req.evaluations, 0);
    v.range('rewound_to_step', req.rewoundToStep, 0, 1e12, { integer: true });
    if (req.rewindReason.length > 500) v.add('rewind_reason', 'at most 500 characters');
    if (!v.empty) throw ApiError.invalid(v.list);
    return this.fence.run(req.jobId, req.attempt, async (tx, locked) => {
      const job = req.rewoundToStep === undefined ? locked : await this.engineRestarted(tx, locked, req);
      const { stored, job: updated } = await this.storeRecords(
        tx,
        job,
        req.attempt,
        req.steps,
        req.evaluations,
      );
      return { ...control(updated), storedSteps: stored };
    });
  }

  /** Stores new records idempotently and renews the lease; returns the newly stored step count and the job. */
  async storeRecords(
    tx: Tx,
    job: JobEntity,
    attempt: number,
    steps: StepRecord[],
    evaluations: EvaluationRecord[],
  ): Promise<{ stored: number; job: JobEntity }> {
    const stepJson = steps.map((s) => ({
      step: s.step,
      json: honestJson(StepRecord.toJSON({ ...s, createTime: undefined, attempt })),
    }));
    const stored = await this.records.insertRecords(tx, 'step_records', job.id, attempt, stepJson);
    await this.records.insertRecords(
      tx,
      'evaluation_records',
      job.id,
      attempt,
      evaluations.map((e) => ({
        step: e.step,
        json: honestJson(EvaluationRecord.toJSON({ ...e, createTime: undefined, attempt })),
      })),
    );
    const progress: JobProgress = {};
    const newest = [...steps].sort((a, b) => b.step - a.step)[0];
    const advanced = newest !== undefined && newest.step > job.currentStep;
    if (advanced) {
      progress.currentStep = newest.step;
      progress.latestStep = honestJson(StepRecord.toJSON({ ...newest, attempt, createTime: undefined }));
      if (newest.targetUnreachable !== job.targetUnreachable)
        progress.targetUnreachable = newest.targetUnreachable;
    }
    const updated = await this.jobs.updateProgress(tx, job.id, progress, this.config.leaseTtlSeconds);
    if (advanced && newest.targetUnreachable && !job.targetUnreachable) {
      await this.jobs.appendEvents(tx, job.id, [
        {
          type: 'TARGET_UNREACHABLE',
          attempt,
          message: `step ${newest.step}: entropy ${newest.entropy.toFixed(4)} outside [${newest.entropyTargetLower}, ${newest.entropyTargetUpper}] and the controller is at its limit`,
        },
      ]);
    } else if (stored.length > 0) {
      await this.jobs.notifyJob(tx, job.id);
    }
    return { stored: stored.length, job: updated };
  }

  /** The executor's engine restarted and training went back to the checkpoint of `rewound_to_step`. */
  private async engineRestarted(
    tx: Tx,
    job: JobEntity,
    req: executorV1.HeartbeatRequest,
  ): Promise<JobEntity> {
    const toStep = req.rewoundToStep ?? 0;
    await this.jobs.appendEvents(tx, job.id, [
      {
        type: 'ENGINE_RESTARTED',
        attempt: req.attempt,
        message: `engine restarted${req.rewindReason ? ` (${req.rewindReason})` : ''}; training resumes from the checkpoint at step ${toStep}`,
      },
    ]);
    return this.rewinder.rewind(tx, job, toStep, {
      attempt: req.attempt,
      why: `the engine restarted and attempt ${req.attempt} resumed from the checkpoint at step ${toStep}`,
    });
  }

  async reportCheckpoint(
    req: executorV1.ReportCheckpointRequest,
  ): Promise<executorV1.ReportCheckpointResponse> {
    const v = new Violations();
    v.range('step', req.step, 0, 1e12, { integer: true });
    if (req.uri === '' || req.uri.length > 2048) v.add('uri', 'must be 1..2048 characters');
    v.range('entropy', req.entropy, 0, 1e6);
    v.range('reward_mean', req.rewardMean, -1e12, 1e12);
    v.range('validation_accuracy', req.validationAccuracy, 0, 1);
    v.range('size_bytes', req.sizeBytes, 0, Number.MAX_SAFE_INTEGER, { integer: true });
    if (!v.empty) throw ApiError.invalid(v.list);
    return this.fence.run(req.jobId, req.attempt, async (tx, job) => {
      const { checkpoint, created } = await this.records.insertCheckpoint(tx, {
        id: randomUUID(),
        jobId: job.id,
        step: req.step,
        attempt: req.attempt,
        uri: req.uri,
        entropy: req.entropy,
        inBand: req.inBand,
        rewardMean: req.rewardMean,
        validationAccuracy: req.validationAccuracy ?? null,
        sizeBytes: req.sizeBytes,
      });
      const best = await this.records.bestInBand(tx, job.id);
      // The executor's store keeps only these; the others' files are gone and are listed no more.
      const keepLast = JobSpec.fromJSON(job.spec).checkpoint?.keepLast ?? SPEC_DEFAULTS.checkpointKeepLast;
      await this.records.markPruned(tx, job.id, keepLast, best?.id ?? null);
      const updated = await this.jobs.updateProgress(
        tx,
        job.id,
        { bestCheckpointId: best?.id ?? null, bestCheckpointStep: best?.step ?? null },
        this.config.leaseTtlSeconds,
      );
      if (created) {
        await this.jobs.appendEvents(tx, job.id, [
          {
            type: 'CHECKPOINT_SAVED',
            attempt: req.attempt,
            message: `checkpoint at step ${req.step}: ${req.uri}`,
          },
        ]);
      }
      return {
        checkpoint: toCheckpointProto(checkpoint, job.projectId) as Checkpoint,
        expireTime: updated.leaseExpireTime ?? undefined,
      };
    });
  }
}

/** The controls a heartbeat answer carries back to the executor. */
function control(job: JobEntity): Control {
  return {
    expireTime: job.leaseExpireTime ?? new Date(),
    cancelRequested: job.cancelRequested,
    pauseRequested: job.pauseRequested,
    entropyTarget: job.entropyTarget ? EntropyTarget.fromJSON(job.entropyTarget) : undefined,
    entropyTargetRevision: job.entropyTargetRevision,
  };
}
