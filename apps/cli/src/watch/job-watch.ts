import type { Writable } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Job, StepRecord, type StreamStepRecordsResponse } from '@aepo/contracts';
import type { ApiClient } from '../client/api-client.js';
import { isServiceError } from '../output/cli-error.js';
import { isTerminal, WatchView } from './watch-view.js';

export interface WatchOptions {
  out: Writable;
  /** Redraw a live frame (a terminal) instead of printing plain lines. */
  tty: boolean;
  /** NDJSON: `{"record": …}` per step, then `{"job": …}`. */
  json: boolean;
  /** Only records after this step. */
  afterStep?: number;
  /** How often the job's state is refreshed while the stream is quiet. */
  pollMs?: number;
  /** Reconnects allowed when the server goes away (UNAVAILABLE). */
  maxReconnects?: number;
  /** Aborts the watch (the job keeps running). */
  signal?: AbortSignal;
}

/**
 * Follows a job: StreamStepRecords for its steps (resuming from the last step after a reconnect) and
 * a periodic GetJob for its state. Resolves with the job in its final state once the stream ends.
 */
export async function watchJob(
  client: ApiClient,
  jobName: string,
  opts: WatchOptions,
): Promise<Job | undefined> {
  const view = new WatchView(opts.tty && !process.env['NO_COLOR']);
  const write = (s: string) => opts.out.write(s);
  let drawn = 0;
  const redraw = () => {
    if (opts.json) return;
    if (!opts.tty) return;
    const width = (opts.out as { columns?: number }).columns ?? 80;
    const lines = view.frame(width);
    write((drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '') + lines.join('\n') + '\n');
    drawn = lines.length;
  };

  let job = (await client.call(client.ft.getJob, { name: jobName })).job;
  if (!job) return undefined;
  view.setJob(job);
  if (!opts.tty && !opts.json) write(`watching job ${job.name} (${view.stateLine()})\n`);
  redraw();

  let lastState = job.state;
  const refresh = async () => {
    try {
      const fresh = (await client.call(client.ft.getJob, { name: jobName })).job;
      if (!fresh) return;
      job = fresh;
      view.setJob(fresh);
      if (fresh.state !== lastState && !opts.tty && !opts.json) write(`${view.stateLine()}\n`);
      lastState = fresh.state;
      redraw();
    } catch {
      // A failed refresh is retried on the next tick; the stream reports lasting trouble.
    }
  };
  const timer = setInterval(() => void refresh(), opts.pollMs ?? 2000);

  let afterStep = opts.afterStep ?? 0;
  let reconnects = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) return job;
      const md = client.projectMetadata();
      const stream = client.ft.streamStepRecords({ parent: jobName, afterStep }, md);
      const abort = () => stream.cancel();
      opts.signal?.addEventListener('abort', abort, { once: true });
      try {
        await client.follow(stream, (msg: StreamStepRecordsResponse) => {
          const r = msg.record;
          if (!r) return;
          afterStep = Math.max(afterStep, r.step);
          view.addRecord(r);
          reconnects = 0;
          if (opts.json) write(JSON.stringify({ record: StepRecord.toJSON(r) }) + '\n');
          else if (opts.tty) redraw();
          else write(view.line(r) + '\n');
        });
        break;
      } catch (err) {
        if (opts.signal?.aborted) return job;
        const retryable = isServiceError(err) && err.code === GrpcStatus.UNAVAILABLE;
        if (!retryable || reconnects >= (opts.maxReconnects ?? 10)) throw err;
        reconnects++;
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** reconnects)));
      } finally {
        opts.signal?.removeEventListener('abort', abort);
      }
    }
  } finally {
    clearInterval(timer);
  }

  // The stream ends once the job is terminal; read the final state (retry briefly if it lags).
  for (let i = 0; i < 20; i++) {
    await refresh();
    if (isTerminal(job.state)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (opts.json) write(JSON.stringify({ job: Job.toJSON(job) }) + '\n');
  else {
    redraw();
    write(view.summary() + '\n');
  }
  return job;
}
