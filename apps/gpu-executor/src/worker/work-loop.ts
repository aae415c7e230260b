/**
 * The executor's main loop: lease a job (long-poll), run it to its end with the JobRunner, repeat.
 * One job at a time. stop() is SIGTERM: the running job checkpoints and releases its lease (within
 * the grace period), an idle long-poll is cancelled, and the loop ends.
 */
import type { Logger } from 'pino';
import { isTransient } from '../api/api-retry.js';
import type { ExecutorApi } from '../api/executor-api.port.js';
import type { JobRunner, RunOutcome } from '../job/job-runner.js';
import { jobIdOf } from '@aepo/contracts';

export interface WorkLoopOptions {
  api: ExecutorApi;
  runner: JobRunner;
  executorId: string;
  models: string[];
  leaseWaitSeconds: number;
  /** End the loop once a long-poll comes back without a job. */
  exitWhenIdle?: boolean;
  retry: { initialMs: number; maxMs: number };
  /** Called before each lease (e.g. to wait for a healthy engine). */
  beforeLease?: () => Promise<void>;
  log: Logger;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export class WorkLoop {
  private readonly stopCtl = new AbortController();
  private done: Promise<void> | null = null;
  /** Outcomes of the jobs run so far (for tests and logs). */
  readonly outcomes: { jobId: string; outcome: RunOutcome }[] = [];
  private current: string | null = null;

  constructor(private readonly o: WorkLoopOptions) {}

  get runningJob(): string | null {
    return this.current;
  }

  start(): void {
    this.done ??= this.loop().catch((e: unknown) => {
      this.o.log.fatal({ err: e }, 'work loop crashed');
      throw e;
    });
  }

  /** Requests the stop and resolves once the current job has been handed back. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    await this.done?.catch(() => undefined);
  }

  /** Resolves when the loop has ended (stop, or idle exit). */
  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  get stopping(): boolean {
    return this.stopCtl.signal.aborted;
  }

  private async loop(): Promise<void> {
    const stop = this.stopCtl.signal;
    let failures = 0;
    while (!stop.aborted) {
      try {
        await this.o.beforeLease?.();
        if (stop.aborted) break;
        const res = await this.o.api.leaseJob(
          { executorId: this.o.executorId, waitSeconds: this.o.leaseWaitSeconds, models: this.o.models },
          stop,
        );
        failures = 0;
        const lease = res.lease;
        if (!lease?.job) {
          if (this.o.exitWhenIdle) {
            this.o.log.info('queue empty; exiting (exit when idle)');
            break;
          }
          continue;
        }
        const jobId = jobIdOf(lease.job.name);
        this.current = jobId;
        // A lease granted while stopping still goes through the runner, which hands it back at once.
        const outcome = await this.o.runner.run(lease, stop);
        this.outcomes.push({ jobId, outcome });
        this.current = null;
      } catch (e) {
        this.current = null;
        if (stop.aborted) break;
        failures++;
        const delay = Math.min(this.o.retry.maxMs, this.o.retry.initialMs * 2 ** Math.min(failures, 16));
        const level = isTransient(e) ? 'warn' : 'error';
        this.o.log[level]({ err: (e as Error).message, delay }, 'leasing failed; retrying');
        await sleep(delay, stop);
      }
    }
  }
}
