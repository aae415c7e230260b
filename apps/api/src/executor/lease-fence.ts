import { Inject, Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import type { JobEntity } from '../database/entities/index.js';
import type { Tx } from '../database/tx.js';
import { JobRepository } from '../jobs/job.repository.js';

/** Attempt fencing: an executor's write counts only while its attempt still holds a live lease. */
@Injectable()
export class LeaseFence {
  constructor(@Inject(JobRepository) private readonly jobs: JobRepository) {}

  /**
   * Runs a fenced write: locks the job and refuses (ABORTED) unless `attempt` still holds a live
   * lease. The writes of `fn` commit together with the check.
   */
  run<T>(jobId: string, attempt: number, fn: (tx: Tx, job: JobEntity) => Promise<T>): Promise<T> {
    if (jobId === '')
      return Promise.reject(ApiError.invalid([{ field: 'job_id', description: 'is required' }]));
    if (!/^[0-9a-f-]{36}$/i.test(jobId)) return Promise.reject(ApiError.notFound('job', jobId));
    return this.jobs.transaction(async (tx) => {
      const locked = await this.jobs.lock(tx, jobId);
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
      return fn(tx, job);
    });
  }
}
