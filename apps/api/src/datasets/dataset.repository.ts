import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { DatasetEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';
import { rowsOf } from '../database/sql-rows.js';
import { txOf, type Tx } from '../database/tx.js';
import { LIVE_STATES } from '../jobs/job-state.machine.js';

export interface RowData {
  prompt: string;
  answer: string;
  id: string;
}

export type NewDataset = Pick<DatasetEntity, 'id' | 'projectId' | 'displayName' | 'labels' | 'requestId'>;

/** An upload in progress: its transaction is open until `finish` commits or `abort` rolls back. */
export class DatasetUpload {
  private rowCount = 0;
  private open = true;

  constructor(
    private readonly ds: DataSource,
    private readonly runner: QueryRunner,
    readonly datasetId: string,
  ) {}

  /** Inserts the next rows (one statement per call: the caller sizes the batches). */
  async append(rows: RowData[]): Promise<void> {
    if (rows.length === 0) return;
    const first = this.rowCount;
    await this.runner.query(
      `INSERT INTO dataset_rows (dataset_id, idx, prompt, answer, row_id)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[])`,
      [
        this.datasetId,
        rows.map((_, i) => first + i),
        rows.map((r) => r.prompt),
        rows.map((r) => r.answer),
        rows.map((r) => r.id),
      ],
    );
    this.rowCount += rows.length;
  }

  /** The upload's transaction, for checks that must see and lock within it (the quotas). */
  get tx(): Tx {
    return txOf(this.runner);
  }

  /** Writes the totals and commits: the dataset becomes visible with all its rows. */
  async finish(totals: { rowCount: number; sizeBytes: number; sha256: string }): Promise<DatasetEntity> {
    const updated = rowsOf<Record<string, unknown>>(
      await this.runner.query(
        'UPDATE datasets SET row_count = $2, size_bytes = $3, sha256 = $4 WHERE id = $1 RETURNING *',
        [this.datasetId, totals.rowCount, totals.sizeBytes, totals.sha256],
      ),
    );
    await this.runner.commitTransaction();
    await this.close();
    return hydrate(this.ds, DatasetEntity, updated[0]!);
  }

  /** Rolls back (no row of the upload remains); a no-op after finish. */
  async abort(): Promise<void> {
    if (!this.open) return;
    try {
      if (this.runner.isTransactionActive) await this.runner.rollbackTransaction();
    } finally {
      await this.close();
    }
  }

  private async close(): Promise<void> {
    this.open = false;
    await this.runner.release();
  }
}

@Injectable()
export class DatasetRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async get(projectId: string, id: string): Promise<DatasetEntity | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM datasets WHERE id = $1 AND project_id = $2',
      [id, projectId],
    );
    return rows[0] ? hydrate(this.ds, DatasetEntity, rows[0]) : null;
  }

  async getByRequestId(projectId: string, requestId: string): Promise<DatasetEntity | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM datasets WHERE project_id = $1 AND request_id = $2',
      [projectId, requestId],
    );
    return rows[0] ? hydrate(this.ds, DatasetEntity, rows[0]) : null;
  }

  /**
   * Opens an upload: one transaction on its own connection, in which the dataset row is inserted now
   * (with its totals filled in by `finish`) and its rows as they arrive, so nothing is visible, and a
   * failure leaves nothing behind, until the commit. Null when the project already has a dataset with
   * this request_id (a concurrent identical upload is waited for).
   */
  async openUpload(meta: NewDataset): Promise<DatasetUpload | null> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const inserted: unknown[] = await runner.query(
        `INSERT INTO datasets (id, project_id, display_name, labels, row_count, size_bytes, sha256, request_id)
         VALUES ($1, $2, $3, $4, 0, 0, '', $5)
         ON CONFLICT (project_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
         RETURNING id`,
        [meta.id, meta.projectId, meta.displayName, JSON.stringify(meta.labels), meta.requestId],
      );
      if (inserted.length === 0) {
        await runner.rollbackTransaction();
        await runner.release();
        return null;
      }
    } catch (err) {
      await runner.release();
      throw err;
    }
    return new DatasetUpload(this.ds, runner, meta.id);
  }

  async list(
    projectId: string,
    after: [string, string] | undefined,
    limit: number,
  ): Promise<DatasetEntity[]> {
    const params: unknown[] = [projectId];
    let sql = 'SELECT * FROM datasets WHERE project_id = $1';
    if (after) {
      params.push(after[0], after[1]);
      sql += ' AND (create_time, id) < ($2::timestamptz, $3::uuid)';
    }
    params.push(limit + 1);
    sql += ` ORDER BY create_time DESC, id DESC LIMIT $${params.length}`;
    const rows: Record<string, unknown>[] = await this.ds.query(sql, params);
    return rows.map((r) => hydrate(this.ds, DatasetEntity, r));
  }

  /**
   * Deletes the dataset unless a live job uses it. The dataset row lock (FOR UPDATE) conflicts with
   * CreateJob's FOR SHARE, so a job cannot start using it mid-delete.
   */
  async deleteIfUnused(projectId: string, id: string): Promise<'deleted' | 'not_found' | 'in_use'> {
    return this.ds.transaction(async (m) => {
      const found: unknown[] = await m.query(
        'SELECT id FROM datasets WHERE id = $1 AND project_id = $2 FOR UPDATE',
        [id, projectId],
      );
      if (found.length === 0) return 'not_found';
      const live: { n: string }[] = await m.query(
        `SELECT count(*) AS n FROM jobs WHERE (training_dataset_id = $1 OR validation_dataset_id = $1)
         AND state = ANY($2::text[])`,
        [id, LIVE_STATES],
      );
      if (Number(live[0]?.n ?? 0) > 0) return 'in_use';
      await m.query('DELETE FROM datasets WHERE id = $1', [id]);
      return 'deleted';
    });
  }

  /** Rows [offset, offset + limit) in order. */
  async rows(datasetId: string, offset: number, limit: number): Promise<RowData[]> {
    const rows: { prompt: string; answer: string; row_id: string }[] = await this.ds.query(
      'SELECT prompt, answer, row_id FROM dataset_rows WHERE dataset_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
      [datasetId, offset, limit],
    );
    return rows.map((r) => ({ prompt: r.prompt, answer: r.answer, id: r.row_id }));
  }

  async rowCount(datasetId: string): Promise<number | null> {
    const rows: { row_count: string }[] = await this.ds.query(
      'SELECT row_count FROM datasets WHERE id = $1',
      [datasetId],
    );
    return rows[0] ? Number(rows[0].row_count) : null;
  }
}
