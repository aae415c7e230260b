import { status } from '@grpc/grpc-js';
import { ApiCallError } from './executor-api.port.js';

/** The lease is gone (stale attempt, job ended or deleted): stop the job without further writes. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

/** Codes worth retrying: the API or the network is away for a while, not the request wrong. */
const TRANSIENT = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.INTERNAL,
  status.UNKNOWN,
  status.CANCELLED,
]);

export function isTransient(e: unknown): boolean {
  return e instanceof ApiCallError && TRANSIENT.has(e.code);
}

export interface RetryOptions {
  initialMs: number;
  maxMs: number;
  /** Stop retrying once this is aborted (the last error is thrown). */
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `fn` until it succeeds, backing off exponentially (with jitter) on transient errors; ABORTED
 * and NOT_FOUND become LeaseLostError; any other error is thrown at once.
 */
export async function withApiRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ApiCallError && (e.code === status.ABORTED || e.code === status.NOT_FOUND)) {
        throw new LeaseLostError(e.message);
      }
      if (!isTransient(e) || opts.signal?.aborted) throw e;
      const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt - 1, 20));
      const delay = Math.round(base * (0.5 + Math.random() / 2));
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}
