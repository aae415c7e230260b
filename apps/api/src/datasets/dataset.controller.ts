import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall, Ctx, Payload } from '@nestjs/microservices';
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import type {
  DeleteDatasetRequest,
  DeleteDatasetResponse,
  GetDatasetRequest,
  GetDatasetResponse,
  ListDatasetsRequest,
  ListDatasetsResponse,
  UploadDatasetRequest,
  UploadDatasetResponse,
} from '@aepo/contracts';
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { checkOwnParent, ownDatasetId } from '../common/resource-name.js';
import { DatasetService } from './dataset.service.js';

const SERVICE = 'FineTuningService';

@Controller()
@RequireCredential(CredentialKind.API_KEY)
export class DatasetController {
  constructor(@Inject(DatasetService) private readonly datasets: DatasetService) {}

  /**
   * Client streaming, handled on the raw call so a bad row can answer before the stream ends (the
   * exception filter sends a thrown error to the callback and stops the stream).
   */
  @GrpcStreamCall(SERVICE, 'uploadDataset')
  async uploadDataset(
    @Payload() call: ServerReadableStream<UploadDatasetRequest, UploadDatasetResponse>,
    @Ctx() callback: sendUnaryData<UploadDatasetResponse>,
    @CallerProject() projectId: string,
  ): Promise<void> {
    const dataset = await this.datasets.upload(projectId, call);
    callback(null, { dataset });
  }

  @GrpcMethod(SERVICE, 'getDataset')
  async getDataset(
    @Payload() req: GetDatasetRequest,
    @CallerProject() projectId: string,
  ): Promise<GetDatasetResponse> {
    return { dataset: await this.datasets.get(projectId, ownDatasetId(req.name, 'name', projectId)) };
  }

  @GrpcMethod(SERVICE, 'listDatasets')
  async listDatasets(
    @Payload() req: ListDatasetsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListDatasetsResponse> {
    checkOwnParent(req.parent, 'parent', projectId);
    return this.datasets.list(projectId, req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'deleteDataset')
  async deleteDataset(
    @Payload() req: DeleteDatasetRequest,
    @CallerProject() projectId: string,
  ): Promise<DeleteDatasetResponse> {
    await this.datasets.delete(projectId, ownDatasetId(req.name, 'name', projectId));
    return {};
  }
}
