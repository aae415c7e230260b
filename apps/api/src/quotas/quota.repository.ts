import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { sqlIn, txOf, type Queryable, type Tx } from '../database/tx.js';
import { LIVE_STATES } from '../jobs/job-state.machine.js';

/** What a project holds in Postgres, as the quotas count it. */
@Injectable()
export class QuotaRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** QUEUED, RUNNING and PAUSED jobs of the project. */
  async activeJobs(projectId: string, tx?: Tx): Promise<number> {
    const rows: { n: string }[] = await this.on(tx).query(
      'SELECT count(*) AS n FROM jobs WHERE project_id = $1 AND state = ANY($2::text[])',
      [projectId, LIVE_STATES],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Bytes of the project's committed datasets (their rows' prompt, answer and id). */
  async storedDatasetBytes(projectId: string, tx?: Tx): Promise<number> {
    const rows: { bytes: string }[] = await this.on(tx).query(
      'SELECT coalesce(sum(size_bytes), 0) AS bytes FROM datasets WHERE project_id = $1',
      [projectId],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Runs `work` in a transaction holding the advisory lock `key` (taken in turn by every replica). */
  underProjectLock<T>(key: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (m) => {
      await this.lock(txOf(m), key);
      return work(txOf(m));
    });
  }

  /** Waits for the advisory lock `key`, held until `tx` commits or rolls back. */
  async lock(tx: Tx, key: string): Promise<void> {
    await sqlIn(tx).query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  /**
   * Takes one of `slots` advisory locks named `key` for `tx` (released by its commit or rollback, or
   * when its connection dies); false when every slot is held, by this or another API replica. Two
   * int4 keys, a lock space apart from `lock`'s single bigint keys.
   */
  async tryTakeSlot(tx: Tx, key: string, slots: number): Promise<boolean> {
    for (let slot = 0; slot < slots; slot++) {
      const rows: { taken: boolean }[] = await sqlIn(tx).query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1), $2) AS taken',
        [key, slot],
      );
      if (rows[0]?.taken) return true;
    }
    return false;
  }

  private on(tx: Tx | undefined): Queryable {
    return tx ? sqlIn(tx) : this.ds;
  }
}
