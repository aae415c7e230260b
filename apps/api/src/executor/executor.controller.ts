import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { executorV1 } from '@aepo/contracts';
import { from, type Observable } from 'rxjs';
import { CredentialKind, RequireCredential } from '../auth/credential.js';
import { callDeadline } from '../common/grpc-call.js';
import { ExecutorService } from './executor.service.js';

const SERVICE = 'ExecutorService';

/** aepo.executor.v1.ExecutorService: every call presents the executor token. */
@Controller()
@RequireCredential(CredentialKind.EXECUTOR)
export class ExecutorController {
  constructor(@Inject(ExecutorService) private readonly executor: ExecutorService) {}

  @GrpcMethod(SERVICE, 'leaseJob')
  leaseJob(
    req: executorV1.LeaseJobRequest,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<executorV1.LeaseJobResponse> {
    return this.executor.lease(req, callDeadline(call));
  }

  @GrpcMethod(SERVICE, 'streamDatasetRows')
  streamDatasetRows(
    req: executorV1.StreamDatasetRowsRequest,
  ): Observable<executorV1.StreamDatasetRowsResponse> {
    return from(this.executor.rows(req));
  }

  @GrpcMethod(SERVICE, 'heartbeat')
  heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    return this.executor.heartbeat(req);
  }

  @GrpcMethod(SERVICE, 'reportCheckpoint')
  reportCheckpoint(req: executorV1.ReportCheckpointRequest): Promise<executorV1.ReportCheckpointResponse> {
    return this.executor.reportCheckpoint(req);
  }

  @GrpcMethod(SERVICE, 'completeJob')
  completeJob(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    return this.executor.complete(req);
  }

  @GrpcMethod(SERVICE, 'releaseLease')
  releaseLease(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    return this.executor.release(req);
  }
}
