import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { CheckpointEntity, JobEventEntity } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';
import { rowsOf } from '../database/sql-rows.js';
import { sqlIn, type Tx } from '../database/tx.js';

export interface StoredRecord {
  step: number;
  attempt: number;
  createTime: Date;
  record: unknown;
  /** Write order (record_revision_seq). */
  revision: number;
}

/** Where a live stream of records stands: replaying by step up to a watermark, then by revision. */
export interface RecordCursor {
  /** Replay: records with a larger step and revision <= watermark. */
  afterStep: number;
  /** The job's highest revision when the stream began. */
  watermark: number;
  /** Follow: records with a larger revision (written after the stream began, or re-written). */
  afterRevision: number;
  /** The client's cursor: records of this step or earlier are never sent. */
  minStep: number;
}

/** What a rewind removed. */
export interface Superseded {
  steps: number[];
  attempts: number[];
}

type RecordTable = 'step_records' | 'evaluation_records';

interface RecordRow {
  step: string;
  attempt: number;
  create_time: Date;
  record: unknown;
  revision: string;
}

function toStoredRecord(r: RecordRow): StoredRecord {
  return {
    step: Number(r.step),
    attempt: r.attempt,
    createTime: r.create_time,
    record: r.record,
    revision: Number(r.revision),
  };
}

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
    const rows: RecordRow[] = await this.ds.query(
      `SELECT step, attempt, create_time, record, revision FROM ${table} WHERE job_id = $1 AND step > $2 ORDER BY step LIMIT $3`,
      [jobId, afterStep, limit],
    );
    return rows.map(toStoredRecord);
  }

  /** The job's highest record revision (0 without records). */
  async maxRevision(table: RecordTable, jobId: string): Promise<number> {
    const rows: { max: string | null }[] = await this.ds.query(
      `SELECT max(revision) AS max FROM ${table} WHERE job_id = $1`,
      [jobId],
    );
    return Number(rows[0]?.max ?? 0);
  }

  /**
   * The next records of a live stream: the rest of the replay in step order, then what was written
   * since, in write order. Writes of one job are serialized under its row lock, so revision order is
   * commit order and nothing is skipped.
   */
  async recordsForStream(
    table: RecordTable,
    jobId: string,
    c: RecordCursor,
    limit: number,
  ): Promise<StoredRecord[]> {
    const rows: RecordRow[] = await this.ds.query(
      `SELECT * FROM (
         (SELECT step, attempt, create_time, record, revision, 0 AS phase, step AS k FROM ${table}
            WHERE job_id = $1 AND step > $2 AND revision <= $3 ORDER BY step LIMIT $5)
         UNION ALL
         (SELECT step, attempt, create_time, record, revision, 1 AS phase, revision AS k FROM ${table}
            WHERE job_id = $1 AND revision > GREATEST($3, $4) AND step > $6 ORDER BY revision LIMIT $5)
       ) AS next ORDER BY phase, k LIMIT $5`,
      [jobId, c.afterStep, c.watermark, c.afterRevision, limit, c.minStep],
    );
    return rows.map(toStoredRecord);
  }

  /**
   * Removes the step and evaluation records after `step`: training went back to that step's
   * checkpoint, so they describe weights that no longer exist (the re-trained steps replace them).
   */
  async supersedeAfter(tx: Tx, jobId: string, step: number): Promise<Superseded> {
    const removed = rowsOf<{ step: string; attempt: number }>(
      await sqlIn(tx).query(
        'DELETE FROM step_records WHERE job_id = $1 AND step > $2 RETURNING step, attempt',
        [jobId, step],
      ),
    );
    await sqlIn(tx).query('DELETE FROM evaluation_records WHERE job_id = $1 AND step > $2', [jobId, step]);
    return {
      steps: removed.map((r) => Number(r.step)).sort((a, b) => a - b),
      attempts: [...new Set(removed.map((r) => r.attempt))].sort((a, b) => a - b),
    };
  }

  /** The stored record of one step (null when absent). */
  async stepRecord(tx: Tx, jobId: string, step: number): Promise<StoredRecord | null> {
    const rows: RecordRow[] = await sqlIn(tx).query(
      'SELECT step, attempt, create_time, record, revision FROM step_records WHERE job_id = $1 AND step = $2',
      [jobId, step],
    );
    return rows[0] ? toStoredRecord(rows[0]) : null;
  }

  /** Inserts records, skipping steps already stored; returns the steps newly stored. */
  async insertRecords(
    tx: Tx,
    table: RecordTable,
    jobId: string,
    attempt: number,
    records: { step: number; json: unknown }[],
  ): Promise<number[]> {
    if (records.length === 0) return [];
    const rows: { step: string }[] = await sqlIn(tx).query(
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
      'SELECT * FROM checkpoints WHERE job_id = $1 AND step > $2 AND delete_time IS NULL ORDER BY step LIMIT $3',
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
    tx: Tx,
    c: Omit<CheckpointEntity, 'createTime' | 'deleteTime'>,
  ): Promise<{ checkpoint: CheckpointEntity; created: boolean }> {
    const inserted: Record<string, unknown>[] = await sqlIn(tx).query(
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
    const existing: Record<string, unknown>[] = await sqlIn(tx).query(
      'SELECT * FROM checkpoints WHERE job_id = $1 AND step = $2',
      [c.jobId, c.step],
    );
    return {
      checkpoint: hydrate(this.ds, CheckpointEntity, existing[0] as Record<string, unknown>),
      created: false,
    };
  }

  /**
   * Marks the checkpoints the executor's pruning removes (every one but the `keepLast` latest and the
   * best in band, the rule of its checkpoint store) as deleted; returns their steps.
   */
  async markPruned(tx: Tx, jobId: string, keepLast: number, bestId: string | null): Promise<number[]> {
    const result: unknown = await sqlIn(tx).query(
      `UPDATE checkpoints SET delete_time = now()
       WHERE job_id = $1 AND delete_time IS NULL AND id IS DISTINCT FROM $3::uuid
         AND id NOT IN (SELECT id FROM checkpoints WHERE job_id = $1 ORDER BY step DESC LIMIT $2)
       RETURNING step`,
      [jobId, keepLast, bestId],
    );
    return rowsOf<{ step: string }>(result).map((r) => Number(r.step));
  }

  /** Best in-band checkpoint: highest validation accuracy, then highest reward mean, then latest. */
  async bestInBand(tx: Tx, jobId: string): Promise<{ id: string; step: number } | null> {
    const rows: { id: string; step: string }[] = await sqlIn(tx).query(
      `SELECT id, step FROM checkpoints WHERE job_id = $1 AND in_band
       ORDER BY validation_accuracy DESC NULLS LAST, reward_mean DESC, step DESC LIMIT 1`,
      [jobId],
    );
    const best = rows[0];
    return best ? { id: best.id, step: Number(best.step) } : null;
  }
}
