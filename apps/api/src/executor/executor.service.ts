import { Inject, Injectable } from '@nestjs/common';
import type { executorV1 } from '@aepo/contracts';
import { ExecutorCompletionService } from './executor-completion.service.js';
import { ExecutorLeaseService } from './executor-lease.service.js';
import { ExecutorProgressService } from './executor-progress.service.js';
import { ExecutorRowsService } from './executor-rows.service.js';

/**
 * The executor protocol, one entry per rpc, each answered by the part that owns it: leases
 * (ExecutorLeaseService), dataset rows, progress (records and checkpoints) and completion.
 */
@Injectable()
export class ExecutorService {
  constructor(
    @Inject(ExecutorLeaseService) private readonly leases: ExecutorLeaseService,
    @Inject(ExecutorRowsService) private readonly datasetRows: ExecutorRowsService,
    @Inject(ExecutorProgressService) private readonly progress: ExecutorProgressService,
    @Inject(ExecutorCompletionService) private readonly completion: ExecutorCompletionService,
  ) {}

  lease(req: executorV1.LeaseJobRequest, callDeadline: number): Promise<executorV1.LeaseJobResponse> {
    return this.leases.lease(req, callDeadline);
  }

  rows(req: executorV1.StreamDatasetRowsRequest): AsyncGenerator<executorV1.StreamDatasetRowsResponse> {
    return this.datasetRows.rows(req);
  }

  heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    return this.progress.heartbeat(req);
  }

  reportCheckpoint(req: executorV1.ReportCheckpointRequest): Promise<executorV1.ReportCheckpointResponse> {
    return this.progress.reportCheckpoint(req);
  }

  complete(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    return this.completion.complete(req);
  }

  release(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    return this.leases.release(req);
  }

  /** Reaper tick: expire leases and count them. */
  reap(): Promise<number> {
    return this.leases.reap();
  }
}
