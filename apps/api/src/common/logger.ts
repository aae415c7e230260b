import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout (one object per line). */
export function createLogger(level: string, name = 'aepo-api'): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };

/** Injection token of the pino logger provider. */
export const LOGGER = Symbol('Logger');
