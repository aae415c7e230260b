import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import type { Metadata, ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
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
import type { Logger } from 'pino';
import { AuthService } from '../auth/auth.service.js';
import { toGrpcError } from '../common/grpc-error.mapper.js';
import { LOGGER } from '../common/logger.js';
import { DatasetService } from './dataset.service.js';

const SERVICE = 'FineTuningService';

@Controller()
export class DatasetController {
  constructor(
    @Inject(DatasetService) private readonly datasets: DatasetService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Client streaming, handled on the raw call so a bad row can answer before the stream ends. */
  @GrpcStreamCall(SERVICE, 'uploadDataset')
  async uploadDataset(
    call: ServerReadableStream<UploadDatasetRequest, UploadDatasetResponse>,
    callback: sendUnaryData<UploadDatasetResponse>,
  ): Promise<void> {
    try {
      const projectId = await this.auth.project(call.metadata);
      const dataset = await this.datasets.upload(projectId, call);
      callback(null, { dataset });
    } catch (err) {
      callback(toGrpcError(err, this.logger, { rpc: 'UploadDataset' }));
      call.destroy();
    }
  }

  @GrpcMethod(SERVICE, 'getDataset')
  async getDataset(req: GetDatasetRequest, md: Metadata): Promise<GetDatasetResponse> {
    return { dataset: await this.datasets.get(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'listDatasets')
  async listDatasets(req: ListDatasetsRequest, md: Metadata): Promise<ListDatasetsResponse> {
    return this.datasets.list(await this.auth.project(md), req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'deleteDataset')
  async deleteDataset(req: DeleteDatasetRequest, md: Metadata): Promise<DeleteDatasetResponse> {
    await this.datasets.delete(await this.auth.project(md), req.id);
    return {};
  }
}
