import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
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
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { ownJobId } from '../common/resource-name.js';
import { ProjectQuotas } from '../quotas/project-quotas.js';
import { RecordService } from './record.service.js';

const SERVICE = 'FineTuningService';

@Controller()
@RequireCredential(CredentialKind.API_KEY)
export class RecordController {
  constructor(
    @Inject(RecordService) private readonly records: RecordService,
    @Inject(ProjectQuotas) private readonly quotas: ProjectQuotas,
  ) {}

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
  async listStepRecords(
    @Payload() req: ListStepRecordsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListStepRecordsResponse> {
    const { items, nextPageToken } = await this.records.listSteps(
      projectId,
      ownJobId(req.parent, 'parent', projectId),
      req.pageSize,
      req.pageToken,
    );
    return { records: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'streamStepRecords')
  async streamStepRecords(
    @Payload() req: StreamStepRecordsRequest,
    @CallerProject() projectId: string,
  ): Promise<Observable<StreamStepRecordsResponse>> {
    const stream = await this.counted(projectId, () =>
      this.records.streamSteps(projectId, ownJobId(req.parent, 'parent', projectId), req.afterStep),
    );
    return stream.pipe(map((record) => ({ record })));
  }

  @GrpcMethod(SERVICE, 'listEvaluationRecords')
  async listEvaluationRecords(
    @Payload() req: ListEvaluationRecordsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListEvaluationRecordsResponse> {
    const { items, nextPageToken } = await this.records.listEvaluations(
      projectId,
      ownJobId(req.parent, 'parent', projectId),
      req.pageSize,
      req.pageToken,
    );
    return { records: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'listJobEvents')
  async listJobEvents(
    @Payload() req: ListJobEventsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListJobEventsResponse> {
    const { items, nextPageToken } = await this.records.listEvents(
      projectId,
      ownJobId(req.parent, 'parent', projectId),
      req.pageSize,
      req.pageToken,
    );
    return { events: items, nextPageToken };
  }

  @GrpcMethod(SERVICE, 'streamJobEvents')
  async streamJobEvents(
    @Payload() req: StreamJobEventsRequest,
    @CallerProject() projectId: string,
  ): Promise<Observable<StreamJobEventsResponse>> {
    const stream = await this.counted(projectId, () =>
      this.records.streamEvents(projectId, ownJobId(req.parent, 'parent', projectId), req.afterSequence),
    );
    return stream.pipe(map((event) => ({ event })));
  }

  @GrpcMethod(SERVICE, 'listCheckpoints')
  async listCheckpoints(
    @Payload() req: ListCheckpointsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListCheckpointsResponse> {
    const { items, nextPageToken } = await this.records.listCheckpoints(
      projectId,
      ownJobId(req.parent, 'parent', projectId),
      req.pageSize,
      req.pageToken,
    );
    return { checkpoints: items, nextPageToken };
  }
}
