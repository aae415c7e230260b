import { Inject, Injectable } from '@nestjs/common';
import { executorV1 } from '@aepo/contracts';
import type { Logger } from 'pino';
import { ApiError } from '../common/api-error.js';
import { LOGGER } from '../common/logger.js';
import { Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { JobEntity } from '../database/entities/index.js';
import { NotifyRepository } from '../database/notify.repository.js';
import { released } from '../jobs/job-state.machine.js';
import { toJobProto } from '../jobs/job.mapper.js';
import { JobRepository } from '../jobs/job.repository.js';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { RecordRepository } from '../records/record.repository.js';
import { toCheckpointProto } from '../records/record.service.js';
import { ShutdownSignal } from '../server/shutdown.signal.js';
import { LeaseFence } from './lease-fence.js';
import { LeaseRepository } from './lease.repository.js';
import { RewindService } from './rewind.service.js';

/** If a NOTIFY is ever lost (LISTEN reconnect), a waiting lease still re-checks this often. */
const LEASE_FALLBACK_RECHECK_MS = 5000;

/** A lease's life: handed out (long-poll), given back, or expired (the reaper). */
@Injectable()
export class ExecutorLeaseService {
  constructor(
    @Inject(LeaseRepository) private readonly leases: LeaseRepository,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RecordRepository) private readonly records: RecordRepository,
    @Inject(LeaseFence) private readonly fence: LeaseFence,
    @Inject(RewindService) private readonly rewinder: RewindService,
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
    const job = await this.jobs.transaction(async (tx) => {
      const locked = await this.jobs.lock(tx, leased.id);
      return this.rewinder.rewind(tx, locked?.job ?? leased, checkpoint?.step ?? 0, {
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
      resumeFrom: checkpoint ? toCheckpointProto(checkpoint, job.projectId) : undefined,
      lastRecordedStep: job.currentStep,
    };
  }

  /** The executor gives the job back before it ended; a pending cancel or pause decides where it goes. */
  async release(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    if (req.reason.length > 500)
      throw ApiError.invalid([{ field: 'reason', description: 'at most 500 characters' }]);
    const job = await this.fence.run(req.jobId, req.attempt, (tx, job) =>
      this.jobs.applyTransition(tx, job, released(job, req.reason)),
    );
    return { job: toJobProto(job) };
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
