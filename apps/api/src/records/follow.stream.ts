import { Observable } from 'rxjs';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import type { NotifyRepository } from '../database/notify.repository.js';
import type { ShutdownSignal } from '../server/shutdown.signal.js';

export interface FollowSource<T, C = number> {
  /** Items after `cursor`, in order, at most `limit`. */
  fetch(cursor: C, limit: number): Promise<T[]>;
  /** The cursor just after `item`. */
  advance(cursor: C, item: T): C;
  /** Whether the job has ended (then nothing new can appear after a final fetch). */
  isFinished(): Promise<boolean>;
}

const BATCH = 500;
/** Safety net for a lost notification (e.g. the LISTEN connection was re-established). */
const FALLBACK_RECHECK_MS = 5000;

/**
 * Replays everything after `cursor`, then follows live: waits for the job's NOTIFY, fetches again,
 * and completes once the job is finished and drained. Ends with UNAVAILABLE at server shutdown.
 */
export function followJob<T, C = number>(
  jobId: string,
  cursor: C,
  source: FollowSource<T, C>,
  notifier: NotifyRepository,
  shutdown: ShutdownSignal,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let closed = false;
    let wake: (() => void) | undefined;
    let dirty = false;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    const unlisten = notifier.onJob(jobId, poke);
    const onShutdown = () => poke();
    shutdown.signal.addEventListener('abort', onShutdown);

    const waitForChange = () =>
      new Promise<void>((resolve) => {
        if (dirty || closed || shutdown.aborted) return resolve();
        const timer = setTimeout(resolve, FALLBACK_RECHECK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => {
        wake = undefined;
      });

    const run = async () => {
      let at = cursor;
      const drain = async () => {
        for (;;) {
          const items = await source.fetch(at, BATCH);
          for (const item of items) {
            if (closed) return;
            subscriber.next(item);
            at = source.advance(at, item);
          }
          if (items.length < BATCH) return;
        }
      };
      while (!closed) {
        dirty = false;
        await drain();
        if (closed) return;
        if (await source.isFinished()) {
          await drain();
          subscriber.complete();
          return;
        }
        if (shutdown.aborted) {
          throw new ApiError(ApiErrorCode.SHUTTING_DOWN, 'server shutting down; reconnect with your cursor');
        }
        await waitForChange();
      }
    };
    run().catch((err) => {
      if (!closed) subscriber.error(err);
    });
    return () => {
      closed = true;
      unlisten();
      shutdown.signal.removeEventListener('abort', onShutdown);
      wake?.();
    };
  });
}
