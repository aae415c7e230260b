import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import type {
  ListCheckpointsRequest,
  ListCheckpointsResponse,
  ListEvaluationRecordsRequest,
  ListEvaluationRecordsResponse,
  ListJobEventsRequest,
  ListJobEventsResponse,
  ListStepRecordsRequest,
  ListStepRecordsResponse,
  StreamJobEventsRequest,
  StreamJobEventsResponse,
  StreamStepRecordsRequest,
  StreamStepRecordsResponse,
} from '@aepo/contracts';
import { finalize, map, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { AuthService } from '../auth/auth.service.js';
import { toGrpcError } from '../common/grpc-error.mapper.js';
import { LOGGER } from '../common/logger.js';
import { ProjectQuotas } from '../quotas/project-quotas.js';
import { RecordService } from './record.service.js';

const SERVICE = 'FineTuningService';

@Controller()
export class RecordController {
  constructor(
    @Inject(RecordService) private readonly records: RecordService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ProjectQuotas) private readonly quotas: ProjectQuotas,
  ) {}

  private mapError = (err: unknown) => toGrpcError(err, this.logger, { rpc: 'stream' });

  /** Opens a stream within the project's open-streams quota; its slot is freed when it ends or is cancelled. */
  private async counted<T>(projectId: string, open: () => Promise<Observable<T>>): Promise<Observable<T>> {
    const release = this.quotas.acquireStream(projectId);
    try {
      return (await open()).pipe(finalize(release));
    } catch (err) {
      release();
      throw err;
    }
  }

  @GrpcMethod(SERVICE, 'listStepRecords')
  async listStepRecords(req: ListStepRecordsRequest, md: Metadata): Promise<ListStepRecordsResponse> {
    const { items, nextPageToken } = await this.records.listSteps(
      await this.auth.project(md),
      req.jobId,
      req.pageSize,
      req.pageToken,
    );
    return { records: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'streamStepRecords')
  async streamStepRecords(
    req: StreamStepRecordsRequest,
    md: Metadata,
  ): Promise<Observable<StreamStepRecordsResponse>> {
    const projectId = await this.auth.project(md);
    const stream = await this.counted(projectId, () =>
      this.records.streamSteps(projectId, req.jobId, req.afterStep, this.mapError),
    );
    return stream.pipe(map((record) => ({ record })));
  }

  @GrpcMethod(SERVICE, 'listEvaluationRecords')
  async listEvaluationRecords(
    req: ListEvaluationRecordsRequest,
    md: Metadata,
  ): Promise<ListEvaluationRecordsResponse> {
    const { items, nextPageToken } = await this.records.listEvaluations(
      await this.auth.project(md),
      req.jobId,
      req.pageSize,
      req.pageToken,
    );
    return { records: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'listJobEvents')
  async listJobEvents(req: ListJobEventsRequest, md: Metadata): Promise<ListJobEventsResponse> {
    const { items, nextPageToken } = await this.records.listEvents(
      await this.auth.project(md),
      req.jobId,
      req.pageSize,
      req.pageToken,
    );
    return { events: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'streamJobEvents')
  async streamJobEvents(
    req: StreamJobEventsRequest,
    md: Metadata,
  ): Promise<Observable<StreamJobEventsResponse>> {
    const projectId = await this.auth.project(md);
    const stream = await this.counted(projectId, () =>
      this.records.streamEvents(projectId, req.jobId, req.afterSequence, this.mapError),
    );
    return stream.pipe(map((event) => ({ event })));
  }

  @GrpcMethod(SERVICE, 'listCheckpoints')
  async listCheckpoints(req: ListCheckpointsRequest, md: Metadata): Promise<ListCheckpointsResponse> {
    const { items, nextPageToken } = await this.records.listCheckpoints(
      await this.auth.project(md),
      req.jobId,
      req.pageSize,
      req.pageToken,
    );
    return { checkpoints: items, nextPageToken };
  }
}
