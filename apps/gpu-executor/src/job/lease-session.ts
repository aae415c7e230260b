/**
 * One lease as the executor holds it: the step and evaluation records not yet acknowledged by the API,
 * serialised heartbeats (after each step and on a keep-alive timer while a step or checkpoint runs),
 * and the control requests of the last heartbeat answer. Records stay queued until a heartbeat
 * carrying them succeeds, so an API restart loses none; transport errors are retried with backoff.
 */
import type { EntropyTarget, EvaluationRecord, StepRecord, executorV1 } from '@aepo/contracts';
import type { Logger } from 'pino';
import { LeaseLostError, withApiRetry } from '../api/api-retry.js';
import type { ExecutorApi } from '../api/executor-api.port.js';

export interface ControlState {
  cancelRequested: boolean;
  pauseRequested: boolean;
  /** The newest target the API announced and its revision. */
  target: EntropyTarget | undefined;
  targetRevision: number;
}

export interface LeaseSessionOptions {
  api: ExecutorApi;
  jobId: string;
  attempt: number;
  leaseTtlSeconds: number;
  lastRecordedStep: number;
  initial: ControlState;
  retry: { initialMs: number; maxMs: number };
  log: Logger;
}

export class LeaseSession {
  readonly jobId: string;
  readonly attempt: number;
  private readonly api: ExecutorApi;
  private steps: StepRecord[] = [];
  private evaluations: EvaluationRecord[] = [];
  /** Highest step the API has (from the lease, then from acknowledged heartbeats). */
  private ackedStep: number;
  /** A rewind to a checkpoint the API has not been told of yet, and how many rewinds happened. */
  private rewind: { toStep: number; reason: string } | null = null;
  private rewinds = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastBeat = Date.now();
  private lost: LeaseLostError | null = null;
  private readonly stopRetry = new AbortController();
  control: ControlState;

  constructor(private readonly opts: LeaseSessionOptions) {
    this.api = opts.api;
    this.jobId = opts.jobId;
    this.attempt = opts.attempt;
    this.ackedStep = opts.lastRecordedStep;
    this.control = { ...opts.initial };
  }

  /** Heartbeats every third of the TTL when nothing else renewed the lease. */
  startKeepAlive(): void {
    const every = Math.max(200, (this.opts.leaseTtlSeconds * 1000) / 3);
    this.timer = setInterval(() => {
      if (Date.now() - this.lastBeat < every * 0.9 || this.lost) return;
      this.heartbeat().catch((e: unknown) => {
        if (!(e instanceof LeaseLostError)) this.opts.log.warn({ err: e }, 'keep-alive heartbeat failed');
      });
    }, every / 2);
    this.timer.unref();
  }

  /** Set once the API refused this attempt; the job must stop without further writes. */
  get leaseLost(): LeaseLostError | null {
    return this.lost;
  }

  get pendingSteps(): number {
    return this.steps.length;
  }

  get highestAckedStep(): number {
    return this.ackedStep;
  }

  /** Queues a step's records for the next heartbeat (steps the API already has are dropped). */
  enqueue(step: StepRecord | null, evaluation?: EvaluationRecord): void {
    if (step && step.step > this.ackedStep) this.steps.push(step);
    if (evaluation) this.evaluations.push(evaluation);
  }

  /**
   * Training went back to the checkpoint of `toStep` (the engine restarted): the records of later
   * steps describe weights that are gone. Unsent ones are dropped; the next heartbeat tells the API,
   * which removes the sent ones and records the restart; the re-trained steps are sent anew.
   */
  rewound(toStep: number, reason: string): void {
    this.rewinds++;
    this.rewind = { toStep: Math.min(toStep, this.rewind?.toStep ?? toStep), reason: reason.slice(0, 500) };
    this.ackedStep = Math.min(this.ackedStep, toStep);
    this.steps = this.steps.filter((s) => s.step <= toStep);
    this.evaluations = this.evaluations.filter((e) => e.step <= toStep);
  }

  /** Sends every queued record and renews the lease; retried until it gets through or the lease is lost. */
  heartbeat(): Promise<executorV1.HeartbeatResponse> {
    return this.serial(async () => {
      const steps = this.steps.slice();
      const evaluations = this.evaluations.slice();
      const rewind = this.rewind;
      const rewinds = this.rewinds;
      const res = await this.call(() =>
        this.api.heartbeat({
          jobId: this.jobId,
          attempt: this.attempt,
          steps,
          evaluations,
          rewoundToStep: rewind?.toStep,
          rewindReason: rewind?.reason ?? '',
        }),
      );
      // By identity: a rewind meanwhile may have dropped queued records.
      this.steps = this.steps.filter((s) => !steps.includes(s));
      this.evaluations = this.evaluations.filter((e) => !evaluations.includes(e));
      if (rewinds === this.rewinds) {
        for (const s of steps) this.ackedStep = Math.max(this.ackedStep, s.step);
        this.rewind = null;
      }
      this.control = {
        cancelRequested: res.cancelRequested,
        pauseRequested: res.pauseRequested,
        target:
          res.entropyTargetRevision > this.control.targetRevision ? res.entropyTarget : this.control.target,
        targetRevision: Math.max(this.control.targetRevision, res.entropyTargetRevision),
      };
      return res;
    });
  }

  reportCheckpoint(req: Omit<executorV1.ReportCheckpointRequest, 'jobId' | 'attempt'>): Promise<unknown> {
    return this.serial(() =>
      this.call(() => this.api.reportCheckpoint({ ...req, jobId: this.jobId, attempt: this.attempt })),
    );
  }

  /** Ends the job, carrying every record not yet acknowledged (a pending rewind goes first). */
  async complete(
    outcome: executorV1.Outcome,
    error?: { code: number; message: string },
    exportedModelUri = '',
  ): Promise<executorV1.CompleteJobResponse> {
    if (this.rewind) await this.heartbeat();
    return this.serial(() =>
      this.call(() =>
        this.api.completeJob({
          jobId: this.jobId,
          attempt: this.attempt,
          outcome,
          ...(error ? { error: { code: error.code, message: error.message, details: [] } } : {}),
          steps: this.steps,
          evaluations: this.evaluations,
          ...(exportedModelUri ? { exportedModelUri } : {}),
        }),
      ),
    );
  }

  async release(reason: string): Promise<executorV1.ReleaseLeaseResponse> {
    if (this.rewind) await this.heartbeat();
    return this.serial(() =>
      this.call(() =>
        this.api.releaseLease({ jobId: this.jobId, attempt: this.attempt, reason: reason.slice(0, 500) }),
      ),
    );
  }

  /** Stops the keep-alive and any retry loop (after which calls give up on their next failure). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopRetry.abort();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.lost) throw this.lost;
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const res = await withApiRetry(fn, {
        ...this.opts.retry,
        signal: this.stopRetry.signal,
        onRetry: (e, attempt, delay) => {
          if (attempt === 1 || attempt % 10 === 0) {
            this.opts.log.warn({ err: (e as Error).message, attempt, delay }, 'API unreachable, retrying');
          }
        },
      });
      this.lastBeat = Date.now();
      return res;
    } catch (e) {
      if (e instanceof LeaseLostError) this.lost = e;
      throw e;
    }
  }
}
