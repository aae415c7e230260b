import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { DatasetEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';

export interface RowData {
  prompt: string;
  answer: string;
  id: string;
}

const INSERT_CHUNK = 5000;

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

  /** Stores the dataset and all its rows in one transaction; null when its request_id already exists. */
  async insert(
    meta: Omit<DatasetEntity, 'createTime' | 'project'>,
    rows: RowData[],
  ): Promise<DatasetEntity | null> {
    return this.ds.transaction(async (m) => {
      const inserted: Record<string, unknown>[] = await m.query(
        `INSERT INTO datasets (id, project_id, display_name, labels, row_count, size_bytes, sha256, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (project_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
         RETURNING *`,
        [
          meta.id,
          meta.projectId,
          meta.displayName,
          JSON.stringify(meta.labels),
          meta.rowCount,
          meta.sizeBytes,
          meta.sha256,
          meta.requestId,
        ],
      );
      if (!inserted[0]) return null;
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await m.query(
          `INSERT INTO dataset_rows (dataset_id, idx, prompt, answer, row_id)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[])`,
          [
            meta.id,
            chunk.map((_, i) => start + i),
            chunk.map((r) => r.prompt),
            chunk.map((r) => r.answer),
            chunk.map((r) => r.id),
          ],
        );
      }
      return hydrate(this.ds, DatasetEntity, inserted[0]);
    });
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
         AND state IN ('QUEUED', 'RUNNING', 'PAUSED')`,
        [id],
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
