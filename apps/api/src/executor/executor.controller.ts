import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { executorV1 } from '@aepo/contracts';
import { catchError, from, throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { AuthService } from '../auth/auth.service.js';
import { callDeadline } from '../common/grpc-call.js';
import { toGrpcError } from '../common/grpc-error.mapper.js';
import { LOGGER } from '../common/logger.js';
import { ExecutorService } from './executor.service.js';

const SERVICE = 'ExecutorService';

@Controller()
export class ExecutorController {
  constructor(
    @Inject(ExecutorService) private readonly executor: ExecutorService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod(SERVICE, 'leaseJob')
  leaseJob(
    req: executorV1.LeaseJobRequest,
    md: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<executorV1.LeaseJobResponse> {
    this.auth.executor(md);
    return this.executor.lease(req, callDeadline(call));
  }

  @GrpcMethod(SERVICE, 'streamDatasetRows')
  streamDatasetRows(
    req: executorV1.StreamDatasetRowsRequest,
    md: Metadata,
  ): Observable<executorV1.StreamDatasetRowsResponse> {
    this.auth.executor(md);
    return from(this.executor.rows(req)).pipe(
      catchError((err: unknown) =>
        throwError(() => toGrpcError(err, this.logger, { rpc: 'StreamDatasetRows' })),
      ),
    );
  }

  @GrpcMethod(SERVICE, 'heartbeat')
  heartbeat(req: executorV1.HeartbeatRequest, md: Metadata): Promise<executorV1.HeartbeatResponse> {
    this.auth.executor(md);
    return this.executor.heartbeat(req);
  }

  @GrpcMethod(SERVICE, 'reportCheckpoint')
  reportCheckpoint(
    req: executorV1.ReportCheckpointRequest,
    md: Metadata,
  ): Promise<executorV1.ReportCheckpointResponse> {
    this.auth.executor(md);
    return this.executor.reportCheckpoint(req);
  }

  @GrpcMethod(SERVICE, 'completeJob')
  completeJob(req: executorV1.CompleteJobRequest, md: Metadata): Promise<executorV1.CompleteJobResponse> {
    this.auth.executor(md);
    return this.executor.complete(req);
  }

  @GrpcMethod(SERVICE, 'releaseLease')
  releaseLease(req: executorV1.ReleaseLeaseRequest, md: Metadata): Promise<executorV1.ReleaseLeaseResponse> {
    this.auth.executor(md);
    return this.executor.release(req);
  }
}
