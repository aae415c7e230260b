/**
 * An in-memory ExecutorService for unit tests: stores step records keyed by step (replays ignored),
 * checkpoints, the outcome; a test steers the heartbeat answers and injects transport failures.
 */
import {
  type Checkpoint,
  type EntropyTarget,
  type JobSpec,
  JobState,
  type StepRecord,
  executorV1,
} from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import { ApiCallError, type DatasetRowsPage, type ExecutorApi } from '../api/executor-api.port.js';

export class FakeExecutorApi implements ExecutorApi {
  steps = new Map<number, StepRecord>();
  checkpoints: executorV1.ReportCheckpointRequest[] = [];
  /** Every call in order: `heartbeat:[1,2]`, `checkpoint:2`, `complete:OUTCOME_SUCCEEDED`, ... */
  log: string[] = [];
  outcome: executorV1.CompleteJobRequest | null = null;
  released: string | null = null;
  cancel = false;
  pause = false;
  target: EntropyTarget | undefined;
  targetRevision = 0;
  /** Transport failures to answer the next heartbeats with. */
  heartbeatFailures = 0;
  /** After this many heartbeats, answer ABORTED (stale attempt). */
  abortAfterHeartbeats = Infinity;
  onHeartbeat: ((req: executorV1.HeartbeatRequest) => void) | null = null;
  rows: { prompt: string; answer: string }[] = [];
  private heartbeats = 0;

  constructor(rows: { prompt: string; answer: string }[]) {
    this.rows = rows;
  }

  lease(
    spec: JobSpec,
    opts: { attempt?: number; resumeFrom?: Checkpoint; lastRecordedStep?: number } = {},
  ): executorV1.Lease {
    return {
      job: {
        name: 'projects/p-1/jobs/job-1',
        displayName: 'test',
        spec,
        state: JobState.JOB_STATE_RUNNING,
        attempt: opts.attempt ?? 1,
        currentStep: 0,
        cancelRequested: false,
        pauseRequested: false,
        entropyTargetRevision: this.targetRevision,
        bestCheckpoint: '',
        leaseExpirations: 0,
        exportedModelUri: '',
      },
      attempt: opts.attempt ?? 1,
      leaseTtlSeconds: 30,
      ...(opts.resumeFrom ? { resumeFrom: opts.resumeFrom } : {}),
      lastRecordedStep: opts.lastRecordedStep ?? Math.max(0, ...this.steps.keys()),
    };
  }

  async leaseJob(): Promise<executorV1.LeaseJobResponse> {
    return {};
  }

  async *streamDatasetRows(req: executorV1.StreamDatasetRowsRequest): AsyncIterable<DatasetRowsPage> {
    for (let i = req.offset; i < this.rows.length; i += 3) {
      yield {
        firstIndex: i,
        rows: this.rows.slice(i, i + 3).map((r) => ({ ...r, id: '' })),
        totalRows: this.rows.length,
      };
    }
  }

  async heartbeat(req: executorV1.HeartbeatRequest): Promise<executorV1.HeartbeatResponse> {
    if (this.heartbeatFailures > 0) {
      this.heartbeatFailures--;
      this.log.push('heartbeat:unavailable');
      throw new ApiCallError(status.UNAVAILABLE, 'connection refused');
    }
    if (++this.heartbeats > this.abortAfterHeartbeats) {
      this.log.push('heartbeat:aborted');
      throw new ApiCallError(status.ABORTED, 'stale attempt');
    }
    if (req.rewoundToStep !== undefined) {
      // As the API does: the records after the checkpoint trained on are gone.
      this.log.push(`rewind:${req.rewoundToStep}:${req.rewindReason}`);
      for (const step of [...this.steps.keys()]) if (step > req.rewoundToStep) this.steps.delete(step);
    }
    this.log.push(`heartbeat:[${req.steps.map((s) => s.step).join(',')}]`);
    for (const s of req.steps) if (!this.steps.has(s.step)) this.steps.set(s.step, s);
    this.onHeartbeat?.(req);
    return {
      cancelRequested: this.cancel,
      pauseRequested: this.pause,
      ...(this.target ? { entropyTarget: this.target } : {}),
      entropyTargetRevision: this.targetRevision,
      storedSteps: req.steps.length,
    };
  }

  async reportCheckpoint(
    req: executorV1.ReportCheckpointRequest,
  ): Promise<executorV1.ReportCheckpointResponse> {
    this.log.push(`checkpoint:${req.step}`);
    this.checkpoints.push(req);
    return {};
  }

  async completeJob(req: executorV1.CompleteJobRequest): Promise<executorV1.CompleteJobResponse> {
    this.log.push(`complete:${req.outcome}`);
    for (const s of req.steps) if (!this.steps.has(s.step)) this.steps.set(s.step, s);
    this.outcome = req;
    return {};
  }

  async releaseLease(req: executorV1.ReleaseLeaseRequest): Promise<executorV1.ReleaseLeaseResponse> {
    this.log.push('release');
    this.released = req.reason;
    return {};
  }

  close(): void {}

  /** The reported checkpoint of a step as the lease's resume_from. */
  checkpointOf(step: number): Checkpoint {
    const c = this.checkpoints.find((x) => x.step === step);
    if (!c) throw new Error(`no checkpoint at step ${step}`);
    return {
      name: `projects/p-1/jobs/job-1/checkpoints/${step}`,
      step,
      uri: c.uri,
      entropy: c.entropy,
      inBand: c.inBand,
      rewardMean: c.rewardMean,
      attempt: 1,
      sizeBytes: c.sizeBytes,
    };
  }
}
