/** A promise-based client of the public FineTuningService, authenticated with an API key. */
import {
  type CreateJobRequest,
  type CreateJobResponse,
  FineTuningServiceClient,
  type GetJobResponse,
  type Checkpoint,
  type JobEvent,
  type ListCheckpointsRequest,
  type ListCheckpointsResponse,
  type ListJobEventsRequest,
  type ListJobEventsResponse,
  type ListStepRecordsRequest,
  type ListStepRecordsResponse,
  type Job,
  type JobState,
  type StepRecord,
} from '@aepo/contracts';
import { Metadata, type ServiceError, credentials } from '@grpc/grpc-js';

import { waitFor } from './proc.js';

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** The public FineTuningService with an API key, as promises. */
export class PublicClient {
  readonly raw: FineTuningServiceClient;
  readonly md = new Metadata();

  constructor(address: string, apiKey: string) {
    this.raw = new FineTuningServiceClient(address, credentials.createInsecure());
    this.md.set('authorization', `Bearer ${apiKey}`);
  }

  call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.raw, req, this.md, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** Uploads rows; resolves with the dataset's name (`projects/{project}/datasets/{dataset}`). */
  async uploadDataset(name: string, rows: { prompt: string; answer: string }[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const stream = this.raw.uploadDataset(this.md, (err, res) =>
        err ? reject(err) : resolve(res.dataset!.name),
      );
      stream.write({
        metadata: { displayName: name, labels: {}, requestId: '', parent: '' },
        rows: [],
        jsonlLines: [],
      });
      for (let i = 0; i < rows.length; i += 500) {
        stream.write({ rows: rows.slice(i, i + 500).map((r) => ({ ...r, id: '' })), jsonlLines: [] });
      }
      stream.end();
    });
  }

  async createJob(req: CreateJobRequest): Promise<Job> {
    return (await this.call<CreateJobRequest, CreateJobResponse>(this.raw.createJob, req)).job!;
  }

  /** Gets a job by its name (`projects/{project}/jobs/{job}`, or `projects/-/jobs/{job}`). */
  async getJob(name: string): Promise<Job> {
    return (await this.call<{ name: string }, GetJobResponse>(this.raw.getJob, { name })).job!;
  }

  async waitForState(name: string, states: JobState[], timeoutMs = 300_000): Promise<Job> {
    return waitFor(
      `job ${name} to reach ${states.join('|')}`,
      async () => {
        const job = await this.getJob(name);
        return states.includes(job.state) ? job : undefined;
      },
      timeoutMs,
      200,
    );
  }

  async steps(job: string): Promise<StepRecord[]> {
    const out: StepRecord[] = [];
    let pageToken = '';
    do {
      const res = await this.call<ListStepRecordsRequest, ListStepRecordsResponse>(this.raw.listStepRecords, {
        parent: job,
        pageSize: 1000,
        pageToken,
      });
      out.push(...res.records);
      pageToken = res.nextPageToken;
    } while (pageToken);
    return out;
  }

  async control(kind: 'cancel' | 'pause' | 'resume', name: string): Promise<Job> {
    const method =
      kind === 'cancel' ? this.raw.cancelJob : kind === 'pause' ? this.raw.pauseJob : this.raw.resumeJob;
    return (await this.call<{ name: string }, { job?: Job }>(method as never, { name })).job!;
  }

  async checkpoints(job: string): Promise<Checkpoint[]> {
    const res = await this.call<ListCheckpointsRequest, ListCheckpointsResponse>(this.raw.listCheckpoints, {
      parent: job,
      pageSize: 1000,
      pageToken: '',
    });
    return res.checkpoints;
  }

  async events(job: string): Promise<JobEvent[]> {
    const res = await this.call<ListJobEventsRequest, ListJobEventsResponse>(this.raw.listJobEvents, {
      parent: job,
      pageSize: 1000,
      pageToken: '',
    });
    return res.events;
  }

  /** Follows StreamStepRecords from the start; resolves when the server ends the stream (job terminal). */
  streamSteps(job: string, onRecord: (r: StepRecord, at: number) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.raw.streamStepRecords({ parent: job, afterStep: 0 }, this.md);
      call.on('data', (m: { record?: StepRecord }) => m.record && onRecord(m.record, Date.now()));
      call.on('end', () => resolve());
      call.on('error', reject);
    });
  }

  close(): void {
    this.raw.close();
  }
}
