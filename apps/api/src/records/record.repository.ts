import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { CheckpointEntity, JobEventEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';

export interface StoredRecord {
  step: number;
  attempt: number;
  createTime: Date;
  record: unknown;
}

type RecordTable = 'step_records' | 'evaluation_records';

/** Step and evaluation records, job events and checkpoints. */
@Injectable()
export class RecordRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async records(
    table: RecordTable,
    jobId: string,
    afterStep: number,
    limit: number,
  ): Promise<StoredRecord[]> {
    const rows: { step: string; attempt: number; create_time: Date; record: unknown }[] = await this.ds.query(
      `SELECT step, attempt, create_time, record FROM ${table} WHERE job_id = $1 AND step > $2 ORDER BY step LIMIT $3`,
      [jobId, afterStep, limit],
    );
    return rows.map((r) => ({
      step: Number(r.step),
      attempt: r.attempt,
      createTime: r.create_time,
      record: r.record,
    }));
  }

  /** Inserts records, skipping steps already stored; returns the steps newly stored. */
  async insertRecords(
    m: EntityManager,
    table: RecordTable,
    jobId: string,
    attempt: number,
    records: { step: number; json: unknown }[],
  ): Promise<number[]> {
    if (records.length === 0) return [];
    const rows: { step: string }[] = await m.query(
      `INSERT INTO ${table} (job_id, step, attempt, record)
       SELECT $1, s, $2, r FROM unnest($3::bigint[], $4::jsonb[]) AS t(s, r)
       ON CONFLICT (job_id, step) DO NOTHING RETURNING step`,
      [jobId, attempt, records.map((r) => r.step), records.map((r) => JSON.stringify(r.json))],
    );
    return rows.map((r) => Number(r.step));
  }

  async events(jobId: string, afterSequence: number, limit: number): Promise<JobEventEntity[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM job_events WHERE job_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
      [jobId, afterSequence, limit],
    );
    return rows.map((r) => hydrate(this.ds, JobEventEntity, r));
  }

  async checkpoints(jobId: string, afterStep: number, limit: number): Promise<CheckpointEntity[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM checkpoints WHERE job_id = $1 AND step > $2 ORDER BY step LIMIT $3',
      [jobId, afterStep, limit],
    );
    return rows.map((r) => hydrate(this.ds, CheckpointEntity, r));
  }

  async latestCheckpoint(jobId: string): Promise<CheckpointEntity | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM checkpoints WHERE job_id = $1 ORDER BY step DESC LIMIT 1',
      [jobId],
    );
    return rows[0] ? hydrate(this.ds, CheckpointEntity, rows[0]) : null;
  }

  /** Inserts a checkpoint unless (job, step) exists; returns the stored one and whether it is new. */
  async insertCheckpoint(
    m: EntityManager,
    c: Omit<CheckpointEntity, 'createTime'>,
  ): Promise<{ checkpoint: CheckpointEntity; created: boolean }> {
    const inserted: Record<string, unknown>[] = await m.query(
      `INSERT INTO checkpoints (id, job_id, step, attempt, uri, entropy, in_band, reward_mean, validation_accuracy, size_bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (job_id, step) DO NOTHING RETURNING *`,
      [
        c.id,
        c.jobId,
        c.step,
        c.attempt,
        c.uri,
        c.entropy,
        c.inBand,
        c.rewardMean,
        c.validationAccuracy,
        c.sizeBytes,
      ],
    );
    if (inserted[0]) return { checkpoint: hydrate(this.ds, CheckpointEntity, inserted[0]), created: true };
    const existing: Record<string, unknown>[] = await m.query(
      'SELECT * FROM checkpoints WHERE job_id = $1 AND step = $2',
      [c.jobId, c.step],
    );
    return {
      checkpoint: hydrate(this.ds, CheckpointEntity, existing[0] as Record<string, unknown>),
      created: false,
    };
  }

  /** Best in-band checkpoint: highest validation accuracy, then highest reward mean, then latest. */
  async bestInBand(m: EntityManager, jobId: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM checkpoints WHERE job_id = $1 AND in_band
       ORDER BY validation_accuracy DESC NULLS LAST, reward_mean DESC, step DESC LIMIT 1`,
      [jobId],
    );
    return rows[0]?.id ?? null;
  }
}
