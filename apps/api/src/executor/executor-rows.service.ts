import { Inject, Injectable } from '@nestjs/common';
import { executorV1 } from '@aepo/contracts';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { Violations } from '../common/violations.js';
import { DatasetRepository, type RowData } from '../datasets/dataset.repository.js';
import { ShutdownSignal } from '../server/shutdown.signal.js';
import { LeaseFence } from './lease-fence.js';

const { DatasetRole } = executorV1;
const ROW_BATCH = 1000;

/** StreamDatasetRows: a leased job's training or validation rows, in order, from an offset. */
@Injectable()
export class ExecutorRowsService {
  constructor(
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(LeaseFence) private readonly fence: LeaseFence,
    @Inject(ShutdownSignal) private readonly shutdown: ShutdownSignal,
  ) {}

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
    const job = await this.fence.run(req.jobId, req.attempt, async (_tx, j) => j);
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
}
