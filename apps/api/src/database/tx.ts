import type { EntityManager } from 'typeorm';

declare const OPEN_TRANSACTION: unique symbol;

/**
 * An open transaction as services see it: a handle they pass from one repository call to the next so
 * that the calls commit together. Only repositories run statements in it (`sqlIn`).
 */
export interface Tx {
  readonly [OPEN_TRANSACTION]: true;
}

/** Where a repository's statement runs: the pool, or one transaction. */
export type Queryable = Pick<EntityManager, 'query'>;

/** For repositories: wraps their transaction (an EntityManager or a QueryRunner) as a handle. */
export function txOf(m: Queryable): Tx {
  return m as unknown as Tx;
}

/** For repositories: the transaction behind a handle. */
export function sqlIn(tx: Tx): Queryable {
  return tx as unknown as Queryable;
}
