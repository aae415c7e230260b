import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { JobEntity, type JobStateName } from '../database/entities/index.js';
import { hydrate } from '../database/hydrate.js';
import { JOB_CHANNEL, NotifyRepository, QUEUE_CHANNEL } from '../database/notify.repository.js';
import { rowsOf } from '../database/sql-rows.js';
import { sqlIn, txOf, type Tx } from '../database/tx.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { INITIAL_STATE, type RequestChange, type Transition } from './job-state.machine.js';
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

/** Columns of a job's progress that the executor protocol writes. */
export interface JobProgress {
  currentStep?: number;
  /** The newest StepRecord in proto3 JSON form (null: none). */
  latestStep?: unknown;
  targetUnreachable?: boolean;
  bestCheckpointId?: string | null;
  bestCheckpointStep?: number | null;
}

const PROGRESS_COLUMNS: Record<keyof JobProgress, string> = {
  currentStep: 'current_step',
  latestStep: 'latest_step',
  targetUnreachable: 'target_unreachable',
  bestCheckpointId: 'best_checkpoint_id',
  bestCheckpointStep: 'best_checkpoint_step',
};

/** A parameter for a jsonb or plain column. */
function param(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date)
    ? JSON.stringify(value)
    : value;
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
  private readonly touched = new WeakMap<Tx, Set<string>>();

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
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const touched = new Set<string>();
    try {
      return await this.ds.transaction((m) => {
        const tx = txOf(m);
        this.touched.set(tx, touched);
        return fn(tx);
      });
    } finally {
      for (const id of touched) this.cache.invalidate(id);
    }
  }

  /** For single-statement writes that bypass `transaction` (call after they returned). */
  invalidate(id: string): void {
    this.cache.invalidate(id);
  }

  private touch(tx: Tx, id: string): void {
    this.cache.invalidate(id);
    this.touched.get(tx)?.add(id);
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
    tx: Tx,
    job: Partial<JobEntity> & { id: string; projectId: string },
    datasetIds: string[],
    createdMessage = 'job created',
  ): Promise<{ job: JobEntity | null; missingDatasets: string[] }> {
    // One statement, in the caller's transaction (the quota's count shares it): lock the datasets FOR SHARE (a
    // concurrent DeleteDataset holds FOR UPDATE), insert the job only if all exist, add its CREATED
    // event and wake waiting executors. The LEFT JOIN always yields a row so a miss can be explained.
    const rows: Record<string, unknown>[] = await sqlIn(tx).query(
      `WITH ds AS (
         SELECT id FROM datasets WHERE id = ANY($11::uuid[]) AND project_id = $2::uuid FOR SHARE
       ), j AS (
         INSERT INTO jobs (id, project_id, display_name, request_id, spec, labels, base_model,
           training_dataset_id, validation_dataset_id, state, entropy_target, event_seq, request_hash)
         SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::jsonb, $6::jsonb, $7::text, $8::uuid, $9::uuid,
           $14::text, $10::jsonb, 1, $12::text
         WHERE (SELECT count(*) FROM ds) = cardinality($11::uuid[])
         ON CONFLICT (project_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
         RETURNING *
       ), e AS (
         INSERT INTO job_events (job_id, sequence, type, to_state, message)
         SELECT id, 1, 'CREATED', $14::text, $13::text FROM j
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
        INITIAL_STATE,
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

  /** Locks the job row for the rest of `tx`; `lease_live` says if its lease is unexpired. */
  async lock(tx: Tx, id: string, projectId?: string): Promise<{ job: JobEntity; leaseLive: boolean } | null> {
    const rows: Record<string, unknown>[] = await sqlIn(tx).query(
      `SELECT *, (lease_expire_time IS NOT NULL AND lease_expire_time > now()) AS lease_live
       FROM jobs WHERE id = $1 ${projectId ? 'AND project_id = $2' : ''} FOR UPDATE`,
      projectId ? [id, projectId] : [id],
    );
    const row = rows[0];
    return row ? { job: this.toEntity(row), leaseLive: row['lease_live'] === true } : null;
  }

  /**
   * Writes a transition the state machine decided, with every column it implies, its events and the
   * queue wake-up. The state guard makes a transition from a state the job has left fail loudly.
   */
  async applyTransition(
    tx: Tx,
    job: JobEntity,
    t: Transition,
    extra: { exportedModelUri?: string | null } = {},
  ): Promise<JobEntity> {
    const params: unknown[] = [job.id, t.from, t.to];
    const parts = ['state = $3', 'update_time = now()'];
    if (t.endsLease) parts.push('leased_by = NULL', 'lease_expire_time = NULL');
    if (t.clearsRequests) parts.push('cancel_requested = false', 'pause_requested = false');
    if (t.setsEndTime) parts.push('end_time = now()');
    if (t.countsExpiration) parts.push('lease_expirations = lease_expirations + 1');
    if (t.error) parts.push(`error = $${params.push(JSON.stringify(t.error))}`);
    if (extra.exportedModelUri !== undefined)
      parts.push(`exported_model_uri = $${params.push(extra.exportedModelUri)}`);
    const updated = await this.write(tx, job.id, parts, params, 'state = $2');
    if (!updated) throw new Error(`job ${job.id} left ${t.from} before its move to ${t.to}`);
    await this.appendEvents(tx, job.id, t.events);
    if (t.wakesQueue) await this.notifyQueue(tx, job.baseModel);
    return updated;
  }

  /** Sets or clears the pending cancel/pause requests of a (locked) job, with their event. */
  async changeRequests(tx: Tx, jobId: string, change: RequestChange): Promise<JobEntity> {
    const params: unknown[] = [jobId];
    const parts = ['update_time = now()'];
    if (change.cancelRequested !== undefined)
      parts.push(`cancel_requested = $${params.push(change.cancelRequested)}`);
    if (change.pauseRequested !== undefined)
      parts.push(`pause_requested = $${params.push(change.pauseRequested)}`);
    const updated = await this.write(tx, jobId, parts, params);
    await this.appendEvents(tx, jobId, [change.event]);
    return updated!;
  }

  /** Stores a new entropy target (proto3 JSON) and counts its revision; returns the updated job. */
  async setEntropyTarget(tx: Tx, jobId: string, target: unknown): Promise<JobEntity> {
    const parts = [
      'update_time = now()',
      'entropy_target = $2',
      'entropy_target_revision = entropy_target_revision + 1',
    ];
    return (await this.write(tx, jobId, parts, [jobId, JSON.stringify(target)]))!;
  }

  /** Writes progress columns of a (locked) job, renewing its lease by `renewLeaseSeconds` if given. */
  async updateProgress(
    tx: Tx,
    jobId: string,
    progress: JobProgress,
    renewLeaseSeconds?: number,
  ): Promise<JobEntity> {
    const params: unknown[] = [jobId];
    const parts = ['update_time = now()'];
    if (renewLeaseSeconds !== undefined)
      parts.push(`lease_expire_time = now() + make_interval(secs => $${params.push(renewLeaseSeconds)})`);
    for (const [key, value] of Object.entries(progress)) {
      if (value === undefined) continue;
      parts.push(`${PROGRESS_COLUMNS[key as keyof JobProgress]} = $${params.push(param(value))}`);
    }
    return (await this.write(tx, jobId, parts, params))!;
  }

  /** UPDATE ... RETURNING of one job ($1 is its id); null when `guard` excluded it. */
  private async write(
    tx: Tx,
    id: string,
    parts: string[],
    params: unknown[],
    guard = 'true',
  ): Promise<JobEntity | null> {
    this.touch(tx, id);
    const rows = rowsOf<Record<string, unknown>>(
      await sqlIn(tx).query(
        `UPDATE jobs SET ${parts.join(', ')} WHERE id = $1 AND ${guard} RETURNING *`,
        params,
      ),
    );
    return rows[0] ? this.toEntity(rows[0]) : null;
  }

  /** Appends events with consecutive per-job sequence numbers (the job row lock orders them). */
  async appendEvents(tx: Tx, jobId: string, events: NewJobEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.touch(tx, jobId);
    const m = sqlIn(tx);
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
    await this.notifier.notify(tx, JOB_CHANNEL, jobId);
  }

  notifyQueue(tx: Tx, model: string): Promise<void> {
    return this.notifier.notify(tx, QUEUE_CHANNEL, model);
  }

  notifyJob(tx: Tx, jobId: string): Promise<void> {
    return this.notifier.notify(tx, JOB_CHANNEL, jobId);
  }

  /** Counts for the metrics: jobs by state, queue depth, active leases. */
  async stateCounts(): Promise<Record<string, number>> {
    const rows: { state: string; n: string }[] = await this.ds.query(
      'SELECT state, count(*) AS n FROM jobs GROUP BY state',
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
