import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { ApiKeyEntity, ProjectEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';
import { rowsOf } from '../database/sql-rows.js';

/** Projects and their API keys (hashes only). */
@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Project id of a valid (unrevoked) key hash. */
  async projectOfKey(keyHash: string): Promise<string | null> {
    const rows: { project_id: string }[] = await this.ds.query(
      'SELECT project_id FROM api_keys WHERE key_hash = $1 AND revoke_time IS NULL',
      [keyHash],
    );
    return rows[0]?.project_id ?? null;
  }

  async createProject(id: string, displayName: string): Promise<ProjectEntity> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'INSERT INTO projects (id, display_name) VALUES ($1, $2) RETURNING *',
      [id, displayName],
    );
    return hydrate(this.ds, ProjectEntity, rows[0] as Record<string, unknown>);
  }

  async projectExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM projects WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async listProjects(after: [string, string] | undefined, limit: number): Promise<ProjectEntity[]> {
    const rows: Record<string, unknown>[] = after
      ? await this.ds.query(
          'SELECT * FROM projects WHERE (create_time, id) > ($1::timestamptz, $2::uuid) ORDER BY create_time, id LIMIT $3',
          [after[0], after[1], limit],
        )
      : await this.ds.query('SELECT * FROM projects ORDER BY create_time, id LIMIT $1', [limit]);
    return rows.map((r) => hydrate(this.ds, ProjectEntity, r));
  }

  async createKey(
    key: Pick<ApiKeyEntity, 'id' | 'projectId' | 'displayName' | 'prefix' | 'keyHash'>,
  ): Promise<ApiKeyEntity> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `INSERT INTO api_keys (id, project_id, display_name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [key.id, key.projectId, key.displayName, key.prefix, key.keyHash],
    );
    return hydrate(this.ds, ApiKeyEntity, rows[0] as Record<string, unknown>);
  }

  /** Revokes key `id` of project `projectId` (null: of any project); null when there is none. */
  async revokeKey(id: string, projectId: string | null): Promise<ApiKeyEntity | null> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.ds.query(
        `UPDATE api_keys SET revoke_time = coalesce(revoke_time, now())
         WHERE id = $1 AND ($2::uuid IS NULL OR project_id = $2::uuid) RETURNING *`,
        [id, projectId],
      ),
    );
    return rows[0] ? hydrate(this.ds, ApiKeyEntity, rows[0]) : null;
  }
}
