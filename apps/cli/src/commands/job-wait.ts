import { status as GrpcStatus } from '@grpc/grpc-js';
import { JobState, type Job } from '@aepo/contracts';
import type { ApiClient } from '../client/api-client.js';
import { CliError, ExitCode, isServiceError } from '../output/cli-error.js';
import { shortState } from '../output/format.js';

/** The exit code of `aepo jobs wait` for each terminal state, so a shell step can branch on it. */
export const WAIT_EXIT: Readonly<Partial<Record<JobState, number>>> = {
  [JobState.JOB_STATE_SUCCEEDED]: ExitCode.OK,
  [JobState.JOB_STATE_FAILED]: ExitCode.JOB_NOT_SUCCEEDED,
  [JobState.JOB_STATE_CANCELLED]: ExitCode.JOB_CANCELLED,
};

export interface WaitOptions {
  /** Give up after this long (ms); undefined waits as long as the job runs. */
  timeoutMs?: number | undefined;
  /** The longest pause between two GetJob calls (ms); the first ones come sooner. */
  intervalMs: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls GetJob until the job is terminal. Polling (not a stream) because a pipeline step may wait for
 * hours across API restarts and load-balancer idle timeouts; UNAVAILABLE answers are waited out.
 */
export async function waitForTerminal(client: ApiClient, name: string, o: WaitOptions): Promise<Job> {
  const sleep = o.sleep ?? sleepMs;
  const now = o.now ?? Date.now;
  const deadline = o.timeoutMs === undefined ? Infinity : now() + o.timeoutMs;
  let interval = Math.min(250, o.intervalMs);
  for (;;) {
    try {
      const { job } = await client.call(client.ft.getJob, { name });
      if (job && WAIT_EXIT[job.state] !== undefined) return job;
    } catch (err) {
      if (!isServiceError(err) || err.code !== GrpcStatus.UNAVAILABLE) throw err;
    }
    if (now() + interval > deadline)
      throw new CliError(
        `job ${name} is not finished after ${Math.round((o.timeoutMs ?? 0) / 1000)} s`,
        ExitCode.WAIT_TIMEOUT,
      );
    await sleep(interval);
    interval = Math.min(o.intervalMs, interval * 2);
  }
}

/** One line for people, and the exit code for scripts (0 only for SUCCEEDED). */
export function finishWait(job: Job): { line: string; exitCode: number } {
  const step = `step ${job.currentStep}/${job.spec?.optimization?.maxSteps ?? '?'}`;
  const error = job.error?.message ? `: ${job.error.message}` : '';
  return {
    line: `job ${job.name} ${shortState(job.state)} at ${step}${error}`,
    exitCode: WAIT_EXIT[job.state] ?? ExitCode.INTERNAL,
  };
}
