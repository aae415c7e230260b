import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import type { JobEntity } from '../database/entities/index.js';
import type { Tx } from '../database/tx.js';
import { JobRepository } from '../jobs/job.repository.js';
import { RecordRepository } from '../records/record.repository.js';

/** Training went back to a checkpoint (a new attempt, or an engine restart within one). */
@Injectable()
export class RewindService {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RecordRepository) private readonly records: RecordRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Removes the records of steps after `toStep` (their weights are gone; the re-trained steps replace
   * them), moves the job's progress back, and says so in a RECORDS_SUPERSEDED event when anything
   * was removed.
   */
  async rewind(
    tx: Tx,
    job: JobEntity,
    toStep: number,
    context: { attempt: number; why: string },
  ): Promise<JobEntity> {
    const removed = await this.records.supersedeAfter(tx, job.id, toStep);
    if (removed.steps.length === 0 && job.currentStep <= toStep) return job;
    const latest = await this.records.stepRecord(tx, job.id, toStep);
    const updated = await this.jobs.updateProgress(tx, job.id, {
      currentStep: Math.min(job.currentStep, toStep),
      latestStep: latest?.record ?? null,
    });
    if (removed.steps.length > 0) {
      const first = removed.steps[0]!;
      const last = removed.steps[removed.steps.length - 1]!;
      await this.jobs.appendEvents(tx, job.id, [
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
}
