/**
 * The executor protocol as the work loop sees it: promise-returning calls with the executor token
 * and deadlines applied. The gRPC implementation is ExecutorApiClient; unit tests use an in-memory fake.
 */
import type { DatasetRow, executorV1 } from '@aepo/contracts';

export interface DatasetRowsPage {
  firstIndex: number;
  rows: DatasetRow[];
  totalRows: number;
}

export interface ExecutorApi {
  leaseJob(req: executorV1.LeaseJobRequest, signal?: AbortSignal): Promise<executorV1.LeaseJobResponse>;
  /** Every page of the dataset from `offset`, in order. */
  streamDatasetRows(req: executorV1.StreamDatasetRowsRequest): AsyncIterable<DatasetRowsPage>;
  heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse>;
  reportCheckpoint(req: executorV1.ReportCheckpointRequest): Promise<executorV1.ReportCheckpointResponse>;
  completeJob(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse>;
  releaseLease(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse>;
  close(): void;
}

/** An error answered by the API (or the transport), with its gRPC status code. */
export class ApiCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}
