import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { executorV1 } from '@aepo/contracts';
import { from, type Observable } from 'rxjs';
import { CredentialKind, RequireCredential } from '../auth/credential.js';
import { callDeadline } from '../common/grpc-call.js';
import { ExecutorCompletionService } from './executor-completion.service.js';
import { ExecutorLeaseService } from './executor-lease.service.js';
import { ExecutorProgressService } from './executor-progress.service.js';
import { ExecutorRowsService } from './executor-rows.service.js';

const SERVICE = 'ExecutorService';

/**
 * aepo.executor.v1.ExecutorService: every call presents the executor token, and is answered by the
 * part that owns it: leases, dataset rows, progress (records and checkpoints) and completion.
 */
@Controller()
@RequireCredential(CredentialKind.EXECUTOR)
export class ExecutorController {
  constructor(
    @Inject(ExecutorLeaseService) private readonly leases: ExecutorLeaseService,
    @Inject(ExecutorRowsService) private readonly datasetRows: ExecutorRowsService,
    @Inject(ExecutorProgressService) private readonly progress: ExecutorProgressService,
    @Inject(ExecutorCompletionService) private readonly completion: ExecutorCompletionService,
  ) {}

  @GrpcMethod(SERVICE, 'leaseJob')
  leaseJob(
    req: executorV1.LeaseJobRequest,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<executorV1.LeaseJobResponse> {
    return this.leases.lease(req, callDeadline(call));
  }

  @GrpcMethod(SERVICE, 'streamDatasetRows')
  streamDatasetRows(
    req: executorV1.StreamDatasetRowsRequest,
  ): Observable<executorV1.StreamDatasetRowsResponse> {
    return from(this.datasetRows.rows(req));
  }

  @GrpcMethod(SERVICE, 'heartbeat')
  heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    return this.progress.heartbeat(req);
  }

  @GrpcMethod(SERVICE, 'reportCheckpoint')
  reportCheckpoint(req: executorV1.ReportCheckpointRequest): Promise<executorV1.ReportCheckpointResponse> {
    return this.progress.reportCheckpoint(req);
  }

  @GrpcMethod(SERVICE, 'completeJob')
  completeJob(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    return this.completion.complete(req);
  }

  @GrpcMethod(SERVICE, 'releaseLease')
  releaseLease(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    return this.leases.release(req);
  }
}
