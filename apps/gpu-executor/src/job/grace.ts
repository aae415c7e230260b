/** Bounds how long a running step may delay a requested stop (SIGTERM's grace period). */

/** Answered instead of the step's result when the step outran the grace period after a stop. */
export const ABANDON = Symbol('abandon');

/** The step's result, or ABANDON when a stop was requested and the step outran the grace period. */
export async function raceGrace<T>(
  p: Promise<T>,
  stop: AbortSignal,
  graceMs: number,
): Promise<T | typeof ABANDON> {
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const grace = new Promise<typeof ABANDON>((resolve) => {
    onStop = () => {
      timer = setTimeout(() => resolve(ABANDON), graceMs);
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
  });
  try {
    return await Promise.race([p, grace]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onStop) stop.removeEventListener('abort', onStop);
    // An abandoned step may still fail later; nobody waits for it.
    p.catch(() => undefined);
  }
}
