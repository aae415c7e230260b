import { Inject, Injectable } from '@nestjs/common';
import {
  EntropyTarget,
  EvaluationRecord,
  JobSpec,
  StepRecord,
  executorV1,
  type Checkpoint,
  type Job,
  type Status,
} from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { LOGGER } from '../common/logger.js';
import { Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { JobEntity, JobStateName } from '../database/entities/index.js';
import { NotifyRepository } from '../database/notify.repository.js';
import { DatasetRepository, type RowData } from '../datasets/dataset.repository.js';
import { SPEC_DEFAULTS } from '../jobs/job-spec.defaults.js';
import { toJobProto } from '../jobs/job.mapper.js';
import { honestJson } from '../records/honest-json.js';
import { JobRepository } from '../jobs/job.repository.js';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { toCheckpointProto } from '../records/record.service.js';
import { RecordRepository } from '../records/record.repository.js';
import { ShutdownSignal } from '../server/shutdown.signal.js';
import { LeaseRepository } from './lease.repository.js';

const { Outcome, DatasetRole } = executorV1;

/** If a NOTIFY is ever lost (LISTEN reconnect), a waiting lease still re-checks this often. */
const LEASE_FALLBACK_RECHECK_MS = 5000;
const ROW_BATCH = 1000;

export interface Control {
  expireTime: Date;
  cancelRequested: boolean;
  pauseRequested: boolean;
  entropyTarget: EntropyTarget | undefined;
  entropyTargetRevision: number;
}

/** The executor protocol: leases, fenced writes, dataset rows. */
@Injectable()
export class ExecutorService {
  constructor(
    @Inject(LeaseRepository) private readonly leases: LeaseRepository,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RecordRepository) private readonly records: RecordRepository,
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(NotifyRepository) private readonly notifier: NotifyRepository,
    @Inject(ShutdownSignal) private readonly shutdown: ShutdownSignal,
    @Inject(ApiMetricsService) private readonly metrics: ApiMetricsService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Long-poll: claims at once if possible, else waits for a queue NOTIFY until the wait ends. */
  async lease(req: executorV1.LeaseJobRequest, callDeadline: number): Promise<executorV1.LeaseJobResponse> {
    const v = new Violations();
    if (req.executorId === '' || req.executorId.length > 200)
      v.add('executor_id', 'must be 1..200 characters');
    v.range('wait_seconds', req.waitSeconds, 0, 300, { integer: true });
    if (!v.empty) throw ApiError.invalid(v.list);
    // Answer a little before the caller's deadline so the empty answer arrives rather than DEADLINE_EXCEEDED.
    const until = Math.min(Date.now() + req.waitSeconds * 1000, callDeadline - 200);
    let dirty = true;
    let wake: (() => void) | undefined;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    const unlisten = this.notifier.onQueue((model) => {
      if (req.models.length === 0 || model === '*' || req.models.includes(model)) poke();
    });
    this.shutdown.signal.addEventListener('abort', poke);
    try {
      for (;;) {
        if (this.shutdown.aborted) return { lease: undefined };
        if (dirty) {
          dirty = false;
          const job = await this.leases.claim(req.executorId, req.models, this.config.leaseTtlSeconds);
          if (job) return { lease: await this.buildLease(job) };
        }
        const left = until - Date.now();
        if (left <= 0) return { lease: undefined };
        await new Promise<void>((resolve) => {
          if (dirty) return resolve();
          const timer = setTimeout(
            () => {
              dirty = true;
              resolve();
            },
            Math.min(left, LEASE_FALLBACK_RECHECK_MS),
          );
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      unlisten();
      this.shutdown.signal.removeEventListener('abort', poke);
    }
  }

  private async buildLease(leased: JobEntity): Promise<executorV1.Lease> {
    const checkpoint = await this.records.latestCheckpoint(leased.id);
    // The new attempt trains on from this checkpoint (or from scratch): later records are superseded.
    const job = await this.jobs.transaction(async (m) => {
      const locked = await this.jobs.lock(m, leased.id);
      return this.rewind(m, locked?.job ?? leased, checkpoint?.step ?? 0, {
        attempt: leased.attempt,
        why: checkpoint
          ? `attempt ${leased.attempt} resumes from the checkpoint at step ${checkpoint.step}`
          : `attempt ${leased.attempt} starts from scratch (no checkpoint)`,
      });
    });
    this.logger.info({ jobId: job.id, attempt: job.attempt, executor: job.leasedBy }, 'job leased');
    return {
      job: toJobProto(job),
      attempt: job.attempt,
      expireTime: job.leaseExpireTime ?? undefined,
      leaseTtlSeconds: this.config.leaseTtlSeconds,
      resumeFrom: checkpoint ? toCheckpointProto(checkpoint) : undefined,
      lastRecordedStep: job.currentStep,
    };
  }

  /**
   * Runs a fenced write: locks the job and refuses (ABORTED) unless `attempt` still holds a live lease.
   * Every successful write renews the lease.
   */
  private fenced<T>(
    jobId: string,
    attempt: number,
    fn: (m: EntityManager, job: JobEntity) => Promise<T>,
  ): Promise<T> {
    if (jobId === '')
      return Promise.reject(ApiError.invalid([{ field: 'job_id', description: 'is required' }]));
    if (!/^[0-9a-f-]{36}$/i.test(jobId)) return Promise.reject(ApiError.notFound('job', jobId));
    return this.jobs.transaction(async (m) => {
      const locked = await this.jobs.lock(m, jobId);
      if (!locked) throw ApiError.notFound('job', jobId);
      const { job, leaseLive } = locked;
      if (job.state !== 'RUNNING' || job.attempt !== attempt || !leaseLive) {
        throw new ApiError(
          ApiErrorCode.LEASE_LOST,
          `attempt ${attempt} no longer holds job ${jobId} (state ${job.state}, attempt ${job.attempt}${
            job.state === 'RUNNING' && job.attempt === attempt ? ', lease expired' : ''
          }); stop this job`,
        );
      }
      return fn(m, job);
    });
  }

  /**
   * Training went back to the checkpoint of `toStep`: removes the records of later steps (their
   * weights are gone; the re-trained steps replace them), moves the job's progress back, and says so
   * in a RECORDS_SUPERSEDED event when anything was removed.
   */
  private async rewind(
    m: EntityManager,
    job: JobEntity,
    toStep: number,
    context: { attempt: number; why: string },
  ): Promise<JobEntity> {
    const removed = await this.records.supersedeAfter(m, job.id, toStep);
    if (removed.steps.length === 0 && job.currentStep <= toStep) return job;
    const latest = await this.records.stepRecord(m, job.id, toStep);
    const updated = await this.jobs.update(m, job.id, {
      current_step: Math.min(job.currentStep, toStep),
      latest_step: latest?.record ?? null,
    });
    if (removed.steps.length > 0) {
      const first = removed.steps[0]!;
      const last = removed.steps[removed.steps.length - 1]!;
      await this.jobs.appendEvents(m, job.id, [
        {
          type: 'RECORDS_SUPERSEDED',
          attempt: context.attempt,
          message: `${context.why}: the records of steps ${first}..${last} (attempt ${removed.attempts.join(', ')}) describe weights that are gone; removed, the steps are trained again`,
        },
      ]);
    }
    this.logger.info({ jobId: job.id, toStep, removed: removed.steps.length }, 'records superseded');
    return updated;
  }

  /** Steps in range. Doubles may be NaN or infinite (a diverging loss): stored as they are. */
  private checkRecords(v: Violations, field: string, records: { step: number }[], stepMin: number): void {
    records.forEach((r, i) => {
      v.range(`${field}[${i}].step`, r.step, stepMin, 1e12, { integer: true });
    });
  }

  /** Stores new records idempotently; returns the newly stored step count and the updated job. */
  private async storeRecords(
    m: EntityManager,
    job: JobEntity,
    attempt: number,
    steps: StepRecord[],
    evaluations: EvaluationRecord[],
  ): Promise<{ stored: number; job: JobEntity }> {
    const stepJson = steps.map((s) => ({
      step: s.step,
      json: honestJson(StepRecord.toJSON({ ...s, createTime: undefined, attempt })),
    }));
    const stored = await this.records.insertRecords(m, 'step_records', job.id, attempt, stepJson);
    await this.records.insertRecords(
      m,
      'evaluation_records',
      job.id,
      attempt,
      evaluations.map((e) => ({
        step: e.step,
        json: honestJson(EvaluationRecord.toJSON({ ...e, createTime: undefined, attempt })),
      })),
    );
    const set: Record<string, unknown> = {};
    const sqlSet = [
      `lease_expire_time = now() + make_interval(secs => ${Number(this.config.leaseTtlSeconds)})`,
    ];
    const newest = [...steps].sort((a, b) => b.step - a.step)[0];
    if (newest && newest.step > job.currentStep) {
      set['current_step'] = newest.step;
      set['latest_step'] = honestJson(StepRecord.toJSON({ ...newest, attempt, createTime: undefined }));
      if (newest.targetUnreachable !== job.targetUnreachable)
        set['target_unreachable'] = newest.targetUnreachable;
    }
    const updated = await this.jobs.update(m, job.id, set, sqlSet);
    if (newest && newest.step > job.currentStep && newest.targetUnreachable && !job.targetUnreachable) {
      await this.jobs.appendEvents(m, job.id, [
        {
          type: 'TARGET_UNREACHABLE',
          attempt,
          message: `step ${newest.step}: entropy ${newest.entropy.toFixed(4)} outside [${newest.entropyTargetLower}, ${newest.entropyTargetUpper}] and the controller is at its limit`,
        },
      ]);
    } else if (stored.length > 0) {
      await this.jobs.notifyJob(m, job.id);
    }
    return { stored: stored.length, job: updated };
  }

  private control(job: JobEntity): Control {
    return {
      expireTime: job.leaseExpireTime ?? new Date(),
      cancelRequested: job.cancelRequested,
      pauseRequested: job.pauseRequested,
      entropyTarget: job.entropyTarget ? EntropyTarget.fromJSON(job.entropyTarget) : undefined,
      entropyTargetRevision: job.entropyTargetRevision,
    };
  }

  async heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    const v = new Violations();
    this.checkRecords(v, 'steps', req.steps, 1);
    this.checkRecords(v, 'evaluations', req.evaluations, 0);
    v.range('rewound_to_step', req.rewoundToStep, 0, 1e12, { integer: true });
    if (req.rewindReason.length > 500) v.add('rewind_reason', 'at most 500 characters');
    if (!v.empty) throw ApiError.invalid(v.list);
    return this.fenced(req.jobId, req.attempt, async (m, locked) => {
      const job = req.rewoundToStep === undefined ? locked : await this.engineRestarted(m, locked, req);
      const { stored, job: updated } = await this.storeRecords(
        m,
        job,
        req.attempt,
        req.steps,
        req.evaluations,
      );
      return { ...this.control(updated), storedSteps: stored };
    });
  }

  /** The executor's engine restarted and training went back to the checkpoint of `rewound_to_step`. */
  private async engineRestarted(
    m: EntityManager,
    job: JobEntity,
    req: executorV1.HeartbeatRequest,
  ): Promise<JobEntity> {
    const toStep = req.rewoundToStep ?? 0;
    await this.jobs.appendEvents(m, job.id, [
      {
        type: 'ENGINE_RESTARTED',
        attempt: req.attempt,
        message: `engine restarted${req.rewindReason ? ` (${req.rewindReason})` : ''}; training resumes from the checkpoint at step ${toStep}`,
      },
    ]);
    return this.rewind(m, job, toStep, {
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
    return this.fenced(req.jobId, req.attempt, async (m, job) => {
      const { checkpoint, created } = await this.records.insertCheckpoint(m, {
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
      const best = await this.records.bestInBand(m, job.id);
      // The executor's store keeps only these; the others' files are gone and are listed no more.
      const keepLast = JobSpec.fromJSON(job.spec).checkpoint?.keepLast ?? SPEC_DEFAULTS.checkpointKeepLast;
      await this.records.markPruned(m, job.id, keepLast, best);
      const updated = await this.jobs.update(m, job.id, { best_checkpoint_id: best }, [
        `lease_expire_time = now() + make_interval(secs => ${Number(this.config.leaseTtlSeconds)})`,
      ]);
      if (created) {
        await this.jobs.appendEvents(m, job.id, [
          {
            type: 'CHECKPOINT_SAVED',
            attempt: req.attempt,
            message: `checkpoint at step ${req.step}: ${req.uri}`,
          },
        ]);
      }
      return {
        checkpoint: toCheckpointProto(checkpoint) as Checkpoint,
        expireTime: updated.leaseExpireTime ?? undefined,
      };
    });
  }

  async complete(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    const v = new Violations();
    const outcome = req.outcome;
    if (![Outcome.OUTCOME_SUCCEEDED, Outcome.OUTCOME_FAILED, Outcome.OUTCOME_CANCELLED].includes(outcome)) {
      v.add('outcome', 'must be SUCCEEDED, FAILED or CANCELLED');
    }
    if (outcome === Outcome.OUTCOME_FAILED && (req.error === undefined || req.error.code === 0)) {
      v.add('error', 'is required for FAILED, with a non-zero code');
    }
    const exportedModelUri = req.exportedModelUri ?? '';
    if (exportedModelUri !== '' && outcome !== Outcome.OUTCOME_SUCCEEDED) {
      v.add('exported_model_uri', 'only a SUCCEEDED job has an exported model');
    }
    if (exportedModelUri.length > 2048) v.add('exported_model_uri', 'at most 2048 characters');
    this.checkRecords(v, 'steps', req.steps, 1);
    this.checkRecords(v, 'evaluations', req.evaluations, 0);
    if (!v.empty) throw ApiError.invalid(v.list);
    const job = await this.fenced(req.jobId, req.attempt, async (m, locked) => {
      if (outcome === Outcome.OUTCOME_CANCELLED && !locked.cancelRequested) {
        throw new ApiError(
          ApiErrorCode.ILLEGAL_TRANSITION,
          'outcome CANCELLED needs a pending cancel request',
        );
      }
      const { job } = await this.storeRecords(m, locked, req.attempt, req.steps, req.evaluations);
      const to: JobStateName =
        outcome === Outcome.OUTCOME_SUCCEEDED
          ? 'SUCCEEDED'
          : outcome === Outcome.OUTCOME_FAILED
            ? 'FAILED'
            : 'CANCELLED';
      const error: Status | undefined = to === 'FAILED' ? req.error : undefined;
      const updated = await this.jobs.update(
        m,
        job.id,
        {
          state: to,
          error: error ? { code: error.code, message: error.message } : null,
          cancel_requested: false,
          pause_requested: false,
          exported_model_uri: exportedModelUri || null,
        },
        ['end_time = now()', 'leased_by = NULL', 'lease_expire_time = NULL'],
      );
      await this.jobs.appendEvents(m, job.id, [
        {
          type: 'STATE_CHANGED',
          fromState: 'RUNNING',
          toState: to,
          attempt: req.attempt,
          message: error ? `failed: ${error.message}` : to.toLowerCase(),
        },
      ]);
      return updated;
    });
    this.logger.info({ jobId: job.id, state: job.state, attempt: req.attempt }, 'job completed');
    return { job: toJobProto(job) as Job };
  }

  async release(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    if (req.reason.length > 500)
      throw ApiError.invalid([{ field: 'reason', description: 'at most 500 characters' }]);
    const job = await this.fenced(req.jobId, req.attempt, async (m, job) => {
      const to: JobStateName = job.cancelRequested ? 'CANCELLED' : job.pauseRequested ? 'PAUSED' : 'QUEUED';
      const sqlSet = ['leased_by = NULL', 'lease_expire_time = NULL'];
      if (to === 'CANCELLED') sqlSet.push('end_time = now()');
      const updated = await this.jobs.update(
        m,
        job.id,
        { state: to, cancel_requested: false, pause_requested: false },
        sqlSet,
      );
      await this.jobs.appendEvents(m, job.id, [
        { type: 'LEASE_RELEASED', attempt: req.attempt, message: req.reason || 'lease released' },
        {
          type: 'STATE_CHANGED',
          fromState: 'RUNNING',
          toState: to,
          attempt: req.attempt,
          message: 'lease released',
        },
      ]);
      if (to === 'QUEUED') await this.jobs.notifyQueue(m, job.baseModel);
      return updated;
    });
    return { job: toJobProto(job) };
  }

  /** Checks the lease (no lock: reads only) and yields the dataset's rows in batches. */
  async *rows(
    req: executorV1.StreamDatasetRowsRequest,
  ): AsyncGenerator<executorV1.StreamDatasetRowsResponse> {
    const v = new Violations();
    v.range('offset', req.offset, 0, 1e12, { integer: true });
    if (req.role !== DatasetRole.DATASET_ROLE_TRAINING && req.role !== DatasetRole.DATASET_ROLE_VALIDATION) {
      v.add('role', 'must be TRAINING or VALIDATION');
    }
    if (!v.empty) throw ApiError.invalid(v.list);
    const job = await this.fenced(req.jobId, req.attempt, async (_m, j) => j);
    const datasetId =
      req.role === DatasetRole.DATASET_ROLE_TRAINING ? job.trainingDatasetId : job.validationDatasetId;
    if (!datasetId) throw new ApiError(ApiErrorCode.NOT_FOUND, `job ${job.id} has no validation dataset`);
    const total = await this.datasets.rowCount(datasetId);
    if (total === null) throw ApiError.notFound('dataset', datasetId);
    let offset = req.offset;
    while (offset < total) {
      if (this.shutdown.aborted)
        throw new ApiError(ApiErrorCode.SHUTTING_DOWN, 'server shutting down; resume from offset');
      const rows: RowData[] = await this.datasets.rows(datasetId, offset, ROW_BATCH);
      if (rows.length === 0) break;
      yield { firstIndex: offset, rows, totalRows: total };
      offset += rows.length;
    }
  }

  /** Reaper tick: expire leases and count them. */
  async reap(): Promise<number> {
    const expired = await this.leases.reapExpired(this.config.maxLeaseExpirations);
    for (const e of expired) {
      this.metrics.leaseExpired();
      this.logger.warn({ jobId: e.job.id, to: e.to, attempt: e.job.attempt }, 'lease expired');
    }
    return expired.length;
  }
}
