import { type Logger, pino } from 'pino';

/** Structured JSON logs on stdout (one object per line). */
export function createLogger(level: string, name = 'aepo-executor'): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

export const LOGGER = Symbol('Logger');
export type { Logger };
