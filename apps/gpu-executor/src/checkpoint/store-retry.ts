/**
 * Object-store calls of a checkpoint wait out an outage: retried with exponential backoff (capped,
 * jittered) until they succeed or the store has been unreachable for `giveUpAfterMs`. Meanwhile the
 * lease's keep-alive goes on, and nothing older is deleted, so the last good checkpoint survives.
 */
import { isTransientStoreError } from '@aepo/artifacts';
import type { Logger } from 'pino';
import { CheckpointError } from './checkpoint.store.js';

export interface StoreRetryOptions {
  initialMs: number;
  maxMs: number;
  /** Give up (and fail the job) once the store has been failing this long. */
  giveUpAfterMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The store stayed unreachable past the retry budget (the job fails UNAVAILABLE; its last checkpoint stays). */
export class ObjectStoreUnavailableError extends CheckpointError {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectStoreUnavailableError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withStoreRetry<T>(
  what: string,
  fn: () => Promise<T>,
  opts: StoreRetryOptions,
  log: Logger,
): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const why = storeErrorMessage(e);
      if (!isTransientStoreError(e)) throw new CheckpointError(`${what}: the object store refused: ${why}`);
      const waited = Date.now() - start;
      if (waited >= opts.giveUpAfterMs) {
        throw new ObjectStoreUnavailableError(
          `${what}: the object store failed for ${Math.round(waited / 1000)} s (${attempt} tries); last error: ${why}`,
        );
      }
      const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt - 1, 20));
      const delay = Math.min(Math.round(base * (0.5 + Math.random() / 2)), opts.giveUpAfterMs - waited);
      log.warn({ err: why, attempt, delayMs: delay }, `${what}: object store call failed; retrying`);
      await sleep(Math.max(1, delay));
    }
  }
}

export function storeErrorMessage(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === 'string' ? ` ${code}` : ''}: ${e.message}`;
  }
  return String(e);
}
