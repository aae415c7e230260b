import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import type { JobEntity, JobStateName } from '../database/entities/index.js';
import { JOB_CHANNEL } from '../database/notify.repository.js';
import { sqlIn } from '../database/tx.js';
import { LEASE, leaseExpired } from '../jobs/job-state.machine.js';
import { JobRepository } from '../jobs/job.repository.js';

export interface ExpiredLease {
  job: JobEntity;
  to: JobStateName;
}

/**
 * Claims and reaping: the queue's concurrency lives here, in SQL, on the database clock. The states
 * come from the state machine (LEASE, leaseExpired); this only writes them.
 */
@Injectable()
export class LeaseRepository {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(JobRepository) private readonly jobs: JobRepository,
  ) {}

  /**
   * Claims the oldest QUEUED job (of one of `models`, if given): SKIP LOCKED lets concurrent executors
   * claim different jobs without waiting on each other; a job is handed out exactly once.
   */
  async claim(executorId: string, models: string[], ttlSeconds: number): Promise<JobEntity | null> {
    // One statement (one round trip): claim, append the STATE_CHANGED and LEASED events, notify. The
    // machine's states are literals here (constants, not input) so the partial queue index applies.
    const rows: Record<string, unknown>[] = await this.ds.query(
      `WITH c AS (
         UPDATE jobs SET state = '${LEASE.to}', attempt = attempt + 1, leased_by = $1,
           lease_expire_time = now() + make_interval(secs => $2), start_time = coalesce(start_time, now()),
           update_time = now(), cancel_requested = false, pause_requested = false, event_seq = event_seq + 2
         WHERE id = (
           SELECT id FROM jobs WHERE state = '${LEASE.from}' AND (cardinality($3::text[]) = 0 OR base_model = ANY($3::text[]))
           ORDER BY create_time, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *
       ), e AS (
         INSERT INTO job_events (job_id, sequence, type, from_state, to_state, attempt, message)
         SELECT id, event_seq - 1, 'STATE_CHANGED', '${LEASE.from}', '${LEASE.to}', attempt, '${LEASE.message}' FROM c
         UNION ALL
         SELECT id, event_seq, 'LEASED', NULL, NULL, attempt, 'leased by ' || $1 FROM c
       ), n AS (
         SELECT pg_notify('${JOB_CHANNEL}', id::text) FROM c
       )
       SELECT c.*, (SELECT count(*) FROM n) AS notified FROM c`,
      [executorId, ttlSeconds, models],
    );
    if (!rows[0]) return null;
    const job = this.jobs.toEntity(rows[0]);
    this.jobs.invalidate(job.id);
    return job;
  }

  /**
   * Ends every expired lease as the state machine decides (back to QUEUED, to PAUSED/CANCELLED when
   * that was requested, or FAILED after `maxExpirations`). Returns what it did.
   */
  async reapExpired(maxExpirations: number): Promise<ExpiredLease[]> {
    return this.jobs.transaction(async (tx) => {
      const rows: Record<string, unknown>[] = await sqlIn(tx).query(
        `SELECT * FROM jobs WHERE state = '${LEASE.to}' AND lease_expire_time < now()
         ORDER BY lease_expire_time LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      const out: ExpiredLease[] = [];
      for (const row of rows) {
        const job = this.jobs.toEntity(row);
        const t = leaseExpired(job, maxExpirations);
        out.push({ job: await this.jobs.applyTransition(tx, job, t), to: t.to });
      }
      return out;
    });
  }
}
