import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';

/** What a project holds in Postgres, as the quotas count it. */
@Injectable()
export class QuotaRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** QUEUED, RUNNING and PAUSED jobs of the project. */
  async activeJobs(projectId: string): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n FROM jobs WHERE project_id = $1 AND state IN ('QUEUED', 'RUNNING', 'PAUSED')`,
      [projectId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Bytes of the project's committed datasets (their rows' prompt, answer and id). */
  async storedDatasetBytes(projectId: string): Promise<number> {
    const rows: { bytes: string }[] = await this.ds.query(
      'SELECT coalesce(sum(size_bytes), 0) AS bytes FROM datasets WHERE project_id = $1',
      [projectId],
    );
    return Number(rows[0]?.bytes ?? 0);
  }
}
