import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';

/** Where a statement runs: the pool, or one transaction. */
export type Queryable = Pick<EntityManager, 'query'>;

/** What a project holds in Postgres, as the quotas count it. */
@Injectable()
export class QuotaRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** QUEUED, RUNNING and PAUSED jobs of the project. */
  async activeJobs(projectId: string, tx: Queryable = this.ds): Promise<number> {
    const rows: { n: string }[] = await tx.query(
      `SELECT count(*) AS n FROM jobs WHERE project_id = $1 AND state IN ('QUEUED', 'RUNNING', 'PAUSED')`,
      [projectId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Bytes of the project's committed datasets (their rows' prompt, answer and id). */
  async storedDatasetBytes(projectId: string, tx: Queryable = this.ds): Promise<number> {
    const rows: { bytes: string }[] = await tx.query(
      'SELECT coalesce(sum(size_bytes), 0) AS bytes FROM datasets WHERE project_id = $1',
      [projectId],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Runs `work` in a transaction holding the advisory lock `key` (taken in turn by every replica). */
  underProjectLock<T>(key: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (tx) => {
      await this.lock(tx, key);
      return work(tx);
    });
  }

  /** Waits for the advisory lock `key`, held until `tx` commits or rolls back. */
  async lock(tx: Queryable, key: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  /**
   * Takes one of `slots` advisory locks named `key` for `tx` (released by its commit or rollback, or
   * when its connection dies); false when every slot is held, by this or another API replica. Two
   * int4 keys, a lock space apart from `lock`'s single bigint keys.
   */
  async tryTakeSlot(tx: Queryable, key: string, slots: number): Promise<boolean> {
    for (let slot = 0; slot < slots; slot++) {
      const rows: { taken: boolean }[] = await tx.query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1), $2) AS taken',
        [key, slot],
      );
      if (rows[0]?.taken) return true;
    }
    return false;
  }
}
