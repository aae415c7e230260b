import { status as GrpcStatus } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { executorV1, type Job } from '@aepo/contracts';
import type { Logger } from 'pino';
import { ApiError } from '../common/api-error.js';
import { LOGGER } from '../common/logger.js';
import { Violations } from '../common/violations.js';
import { completed, type Outcome } from '../jobs/job-state.machine.js';
import { toJobProto } from '../jobs/job.mapper.js';
import { JobRepository } from '../jobs/job.repository.js';
import { checkRecords, ExecutorProgressService } from './executor-progress.service.js';
import { LeaseFence } from './lease-fence.js';

const OUTCOMES = new Map<executorV1.Outcome, Outcome>([
  [executorV1.Outcome.OUTCOME_SUCCEEDED, 'SUCCEEDED'],
  [executorV1.Outcome.OUTCOME_FAILED, 'FAILED'],
  [executorV1.Outcome.OUTCOME_CANCELLED, 'CANCELLED'],
]);

/** CompleteJob: an attempt's last records and its outcome, in one fenced transaction. */
@Injectable()
export class ExecutorCompletionService {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(LeaseFence) private readonly fence: LeaseFence,
    @Inject(ExecutorProgressService) private readonly progress: ExecutorProgressService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async complete(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    const v = new Violations();
    const outcome = OUTCOMES.get(req.outcome);
    if (outcome === undefined) v.add('outcome', 'must be SUCCEEDED, FAILED or CANCELLED');
    if (outcome === 'FAILED' && (req.error === undefined || req.error.code === GrpcStatus.OK)) {
      v.add('error', 'is required for FAILED, with a non-zero code');
    }
    const exportedModelUri = req.exportedModelUri ?? '';
    if (exportedModelUri !== '' && outcome !== 'SUCCEEDED') {
      v.add('exported_model_uri', 'only a SUCCEEDED job has an exported model');
    }
    if (exportedModelUri.length > 2048) v.add('exported_model_uri', 'at most 2048 characters');
    checkRecords(v, 'steps', req.steps, 1);
    checkRecords(v, 'evaluations', req.evaluations, 0);
    if (!v.empty || outcome === undefined) throw ApiError.invalid(v.list);
    const job = await this.fence.run(req.jobId, req.attempt, async (tx, locked) => {
      // Decided before anything is written: a refused outcome stores none of the records either.
      const t = completed(locked, outcome, req.error);
      const { job } = await this.progress.storeRecords(tx, locked, req.attempt, req.steps, req.evaluations);
      return this.jobs.applyTransition(tx, job, t, { exportedModelUri: exportedModelUri || null });
    });
    this.logger.info({ jobId: job.id, state: job.state, attempt: req.attempt }, 'job completed');
    return { job: toJobProto(job) as Job };
  }
}
