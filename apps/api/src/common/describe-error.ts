import { inspect } from 'node:util';

/**
 * One readable description of anything thrown: an Error's stack (with its causes), else the value
 * itself as inspect() shows it. Never the bare `undefined` a rejection with no reason would print.
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  if (err === undefined || err === null)
    return `an unknown error (the rejection carried no reason: ${String(err)})`;
  if (typeof err === 'string') return err;
  return inspect(err, { depth: 4, breakLength: Infinity });
}
