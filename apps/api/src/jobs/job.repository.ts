import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { JobEntity, type JobStateName } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';
import { JOB_CHANNEL, NotifyRepository, QUEUE_CHANNEL } from '../database/notify.repository.js';
import { rowsOf } from '../database/sql-rows.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { Queryable } from '../quotas/quota.repository.js';
import { JobReadCache } from './job-read.cache.js';

/** A job event to append (the sequence number is assigned here). */
export interface NewJobEvent {
  type: string;
  fromState?: JobStateName | null;
  toState?: JobStateName | null;
  attempt?: number;
  message?: string;
  entropyTargetRevision?: number;
}

export interface JobListFilter {
  states: JobStateName[];
  labels: Record<string, string>;
}

/** Every database access to jobs and their events. */
@Injectable()
export class JobRepository {
  private readonly cache: JobReadCache;
  /** Jobs written by each open transaction, invalidated again once it has committed. */
  private readonly touched = new WeakMap<EntityManager, Set<string>>();

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(NotifyRepository) private readonly notifier: NotifyRepository,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.cache = new JobReadCache(config.jobCacheMs);
    notifier.onAnyJob((id) => this.cache.invalidate(id));
    notifier.onConnection((up) => this.cache.setEnabled(up));
  }

  /** A transaction whose job writes are invalidated in the read cache after the commit (or rollback). */
  async transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const touched = new Set<string>();
    try {
      return await this.ds.transaction((m) => {
        this.touched.set(m, touched);
        return fn(m);
      });
    } finally {
      for (const id of touched) this.cache.invalidate(id);
    }
  }

  /** A single statement outside any transaction (it commits on its own). */
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return this.ds.query(sql, params);
  }

  /** For single-statement writes that bypass `transaction` (call after they returned). */
  invalidate(id: string): void {
    this.cache.invalidate(id);
  }

  private touch(m: EntityManager, id: string): void {
    this.cache.invalidate(id);
    this.touched.get(m)?.add(id);
  }

  toEntity(row: Record<string, unknown>): JobEntity {
    return hydrate(this.ds, JobEntity, row);
  }

  async get(projectId: string, id: string): Promise<JobEntity | null> {
    const cached = this.cache.get(id);
    if (cached) return cached.projectId === projectId ? cached : null;
    const since = this.cache.begin();
    const rows: Record<string, unknown>[] = await this.ds.query('SELECT * FROM jobs WHERE id = $1', [id]);
    if (!rows[0]) return null;
    const job = this.toEntity(rows[0]);
    this.cache.set(job, since);
    return job.projectId === projectId ? job : null;
  }

  async getByRequestId(projectId: string, requestId: string): Promise<JobEntity | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      'SELECT * FROM jobs WHERE project_id = $1 AND request_id = $2',
      [projectId, requestId],
    );
    return rows[0] ? this.toEntity(rows[0]) : null;
  }

  /**
   * Inserts a QUEUED job with its CREATED event and wakes waiting executors, in one transaction.
   * `job` is null when a dataset is missing, or when `request_id` already exists in the project (the
   * caller then reads that job).
   */
  async insertQueued(
    tx: Queryable,
    job: Partial<JobEntity> & { id: string; projectId: string },
    datasetIds: string[],
    createdMessage = 'job created',
  ): Promise<{ job: JobEntity | null; missingDatasets: string[] }> {
    // One statement, in the caller's transaction (the quota's count shares it): lock the datasets FOR SHARE (a
    // concurrent DeleteDataset holds FOR UPDATE), insert the job only if all exist, add its CREATED
    // event and wake waiting executors. The LEFT JOIN always yields a row so a miss can be explained.
    const rows: Record<string, unknown>[] = await tx.query(
      `WITH ds AS (
         SELECT id FROM datasets WHERE id = ANY($11::uuid[]) AND project_id = $2::uuid FOR SHARE
       ), j AS (
         INSERT INTO jobs (id, project_id, display_name, request_id, spec, labels, base_model,
           training_dataset_id, validation_dataset_id, state, entropy_target, event_seq, request_hash)
         SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::jsonb, $6::jsonb, $7::text, $8::uuid, $9::uuid,
           'QUEUED', $10::jsonb, 1, $12::text
         WHERE (SELECT count(*) FROM ds) = cardinality($11::uuid[])
         ON CONFLICT (project_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
         RETURNING *
       ), e AS (
         INSERT INTO job_events (job_id, sequence, type, to_state, message)
         SELECT id, 1, 'CREATED', 'QUEUED', $13::text FROM j
       ), n AS (
         SELECT pg_notify('${QUEUE_CHANNEL}', base_model), pg_notify('${JOB_CHANNEL}', id::text) FROM j
       )
       SELECT j.*, (SELECT count(*) FROM n) AS notified, (SELECT array_agg(id::text) FROM ds) AS found_datasets
       FROM (SELECT 1) AS one LEFT JOIN j ON true`,
      [
        job.id,
        job.projectId,
        job.displayName ?? '',
        job.requestId ?? null,
        JSON.stringify(job.spec),
        JSON.stringify(job.labels ?? {}),
        job.baseModel,
        job.trainingDatasetId,
        job.validationDatasetId ?? null,
        job.entropyTarget === undefined || job.entropyTarget === null
          ? null
          : JSON.stringify(job.entropyTarget),
        datasetIds,
        job.requestHash ?? null,
        createdMessage,
      ],
    );
    const row = rows[0] ?? {};
    const found = (row['found_datasets'] as string[] | null) ?? [];
    const missingDatasets = datasetIds.filter((d) => !found.includes(d));
    if (missingDatasets.length > 0) return { job: null, missingDatasets };
    return { job: row['id'] ? this.toEntity(row) : null, missingDatasets: [] };
  }

  async list(projectId: string, filter: JobListFilter, after: [string, string] | undefined, limit: number) {
    const params: unknown[] = [projectId];
    let sql = 'SELECT * FROM jobs WHERE project_id = $1';
    if (filter.states.length > 0) {
      params.push(filter.states);
      sql += ` AND state = ANY($${params.length})`;
    }
    if (Object.keys(filter.labels).length > 0) {
      params.push(JSON.stringify(filter.labels));
      sql += ` AND labels @> $${params.length}::jsonb`;
    }
    if (after) {
      params.push(after[0], after[1]);
      sql += ` AND (create_time, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(limit + 1);
    sql += ` ORDER BY create_time DESC, id DESC LIMIT $${params.length}`;
    const rows: Record<string, unknown>[] = await this.ds.query(sql, params);
    return rows.map((r) => this.toEntity(r));
  }

  /** Locks the job row for the rest of `m`'s transaction; `lease_live` says if its lease is unexpired. */
  async lock(
    m: EntityManager,
    id: string,
    projectId?: string,
  ): Promise<{ job: JobEntity; leaseLive: boolean } | null> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT *, (lease_expire_time IS NOT NULL AND lease_expire_time > now()) AS lease_live
       FROM jobs WHERE id = $1 ${projectId ? 'AND project_id = $2' : ''} FOR UPDATE`,
      projectId ? [id, projectId] : [id],
    );
    const row = rows[0];
    return row ? { job: this.toEntity(row), leaseLive: row['lease_live'] === true } : null;
  }

  /** Updates columns of a (locked) job; always bumps update_time. Returns the new row. */
  async update(
    m: EntityManager,
    id: string,
    set: Record<string, unknown>,
    sqlSet: string[] = [],
  ): Promise<JobEntity> {
    this.touch(m, id);
    const params: unknown[] = [id];
    const parts = ['update_time = now()', ...sqlSet];
    for (const [column, value] of Object.entries(set)) {
      params.push(
        value !== null && typeof value === 'object' && !(value instanceof Date)
          ? JSON.stringify(value)
          : value,
      );
      parts.push(`${column} = $${params.length}`);
    }
    const rows = rowsOf<Record<string, unknown>>(
      await m.query(`UPDATE jobs SET ${parts.join(', ')} WHERE id = $1 RETURNING *`, params),
    );
    return this.toEntity(rows[0] as Record<string, unknown>);
  }

  /** Appends events with consecutive per-job sequence numbers (the job row lock orders them). */
  async appendEvents(m: EntityManager, jobId: string, events: NewJobEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.touch(m, jobId);
    const rows = rowsOf<{ event_seq: string }>(
      await m.query('UPDATE jobs SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq', [
        jobId,
        events.length,
      ]),
    );
    const last = Number(rows[0]?.event_seq);
    const first = last - events.length + 1;
    const values: unknown[] = [];
    const tuples = events.map((e, i) => {
      values.push(
        jobId,
        first + i,
        e.type,
        e.fromState ?? null,
        e.toState ?? null,
        e.attempt ?? 0,
        e.message ?? '',
        e.entropyTargetRevision ?? 0,
      );
      const b = i * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    await m.query(
      `INSERT INTO job_events (job_id, sequence, type, from_state, to_state, attempt, message, entropy_target_revision)
       VALUES ${tuples.join(', ')}`,
      values,
    );
    await this.notifier.notify(m, JOB_CHANNEL, jobId);
  }

  notifyQueue(m: EntityManager, model: string): Promise<void> {
    return this.notifier.notify(m, QUEUE_CHANNEL, model);
  }

  notifyJob(m: EntityManager, jobId: string): Promise<void> {
    return this.notifier.notify(m, JOB_CHANNEL, jobId);
  }

  /** Counts for the metrics: jobs by state, queue depth, active leases. */
  async stateCounts(): Promise<Record<string, number>> {
    const rows: { state: string; n: string }[] = await this.ds.query(
      'SELECT state, count(*) AS n FROM jobs GROUP BY state',
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
