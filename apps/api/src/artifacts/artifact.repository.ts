import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { CheckpointEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';

/** The checkpoint rows artifact downloads start from. */
@Injectable()
export class ArtifactRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** A job's listed (not pruned) checkpoint, by step or by id. */
  async listedCheckpoint(
    jobId: string,
    by: { step: number } | { id: string },
  ): Promise<CheckpointEntity | null> {
    const [column, value] = 'step' in by ? ['step', by.step] : ['id', by.id];
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM checkpoints WHERE job_id = $1 AND ${column} = $2 AND delete_time IS NULL`,
      [jobId, value],
    );
    return rows[0] ? hydrate(this.ds, CheckpointEntity, rows[0]) : null;
  }
}
