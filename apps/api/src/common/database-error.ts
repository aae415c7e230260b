import { EntityNotFoundError } from 'typeorm';

/** What a database failure means for the caller, independent of the transport that answers it. */
export type DatabaseFailure =
  /** The database cannot be reached or refused the connection: retry later. */
  | 'unavailable'
  /** A serialization failure or deadlock: the transaction was rolled back, retrying may succeed. */
  | 'conflict'
  /** The statement ran past its timeout. */
  | 'timeout'
  /** A unique constraint: the row exists already. */
  | 'duplicate'
  /** TypeORM's findOneOrFail found nothing. */
  | 'not_found';

/**
 * Classifies a pg error (raw, or wrapped in TypeORM's QueryFailedError, which copies its fields) or
 * a TypeORM error by its SQLSTATE; undefined for anything else, which stays an internal error.
 */
export function classifyDatabaseError(err: unknown): DatabaseFailure | undefined {
  if (err instanceof EntityNotFoundError) return 'not_found';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  // Class 08 is connection exceptions; 57P01-57P03 are shutdowns and start-ups; 53300 is too many
  // connections; ECONNREFUSED/ECONNRESET come from the socket before Postgres says anything.
  if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return 'unavailable';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'unavailable';
  if (code === '40001' || code === '40P01') return 'conflict';
  if (code === '57014') return 'timeout';
  if (code === '23505') return 'duplicate';
  return undefined;
}
