import { executorV1 } from '@aepo/contracts';
import {
  type CallOptions,
  type ChannelCredentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { ApiCallError, type DatasetRowsPage, type ExecutorApi } from './executor-api.port.js';

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => { cancel(): void };

/** ExecutorService over gRPC (TLS or plaintext: see api-credentials.ts). */
export class ExecutorApiClient implements ExecutorApi {
  private readonly client: executorV1.ExecutorServiceClient;

  constructor(
    address: string,
    private readonly token: string,
    private readonly callTimeoutMs: number,
    channelCredentials: ChannelCredentials,
  ) {
    this.client = new executorV1.ExecutorServiceClient(address, channelCredentials, {
      // Notice a dead API within seconds, also between calls.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private unary<Req, Res>(
    fn: Unary<Req, Res>,
    req: Req,
    timeoutMs = this.callTimeoutMs,
    signal?: AbortSignal,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      const call = fn.call(
        this.client,
        req,
        this.metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(new ApiCallError(err.code ?? status.UNKNOWN, err.details || err.message));
          else resolve(res);
        },
      );
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  leaseJob(req: executorV1.LeaseJobRequest, signal?: AbortSignal): Promise<executorV1.LeaseJobResponse> {
    // The long-poll may take wait_seconds; the deadline leaves room for the answer.
    return this.unary(this.client.leaseJob, req, req.waitSeconds * 1000 + this.callTimeoutMs, signal);
  }

  async *streamDatasetRows(req: executorV1.StreamDatasetRowsRequest): AsyncIterable<DatasetRowsPage> {
    const call = this.client.streamDatasetRows(req, this.metadata());
    try {
      for await (const msg of call as AsyncIterable<executorV1.StreamDatasetRowsResponse>) {
        yield { firstIndex: msg.firstIndex, rows: msg.rows, totalRows: msg.totalRows };
      }
    } catch (e) {
      const err = e as ServiceError;
      throw new ApiCallError(err.code ?? status.UNKNOWN, err.details || err.message);
    } finally {
      call.cancel();
    }
  }

  heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    return this.unary(this.client.heartbeat, req);
  }

  reportCheckpoint(req: executorV1.ReportCheckpointRequest): Promise<executorV1.ReportCheckpointResponse> {
    return this.unary(this.client.reportCheckpoint, req);
  }

  completeJob(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    return this.unary(this.client.completeJob, req);
  }

  releaseLease(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    return this.unary(this.client.releaseLease, req);
  }

  close(): void {
    this.client.close();
  }
}
