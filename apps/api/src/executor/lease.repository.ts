import { Inject, Injectable } from '@nestjs/common';
import type { JobEntity } from '../database/entities/index.js';
import { JOB_CHANNEL } from '../database/notify.repository.js';
import { JobRepository } from '../jobs/job.repository.js';

export interface ExpiredLease {
  job: JobEntity;
  to: 'QUEUED' | 'PAUSED' | 'CANCELLED' | 'FAILED';
}

/** Claims and reaping: the queue's concurrency lives here, in SQL, on the database clock. */
@Injectable()
export class LeaseRepository {
  constructor(@Inject(JobRepository) private readonly jobs: JobRepository) {}

  /**
   * Claims the oldest QUEUED job (of one of `models`, if given): SKIP LOCKED lets concurrent executors
   * claim different jobs without waiting on each other; a job is handed out exactly once.
   */
  async claim(executorId: string, models: string[], ttlSeconds: number): Promise<JobEntity | null> {
    // One statement (one round trip): claim, append the STATE_CHANGED and LEASED events, notify.
    const rows: Record<string, unknown>[] = await this.jobs.query(
      `WITH c AS (
         UPDATE jobs SET state = 'RUNNING', attempt = attempt + 1, leased_by = $1,
           lease_expire_time = now() + make_interval(secs => $2), start_time = coalesce(start_time, now()),
           update_time = now(), cancel_requested = false, pause_requested = false, event_seq = event_seq + 2
         WHERE id = (
           SELECT id FROM jobs WHERE state = 'QUEUED' AND (cardinality($3::text[]) = 0 OR base_model = ANY($3::text[]))
           ORDER BY create_time, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *
       ), e AS (
         INSERT INTO job_events (job_id, sequence, type, from_state, to_state, attempt, message)
         SELECT id, event_seq - 1, 'STATE_CHANGED', 'QUEUED', 'RUNNING', attempt, 'leased' FROM c
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
   * Ends every expired lease: the job goes back to QUEUED (or to PAUSED/CANCELLED when that was
   * requested, or FAILED after `maxExpirations`). Returns what it did.
   */
  async reapExpired(maxExpirations: number): Promise<ExpiredLease[]> {
    return this.jobs.transaction(async (m) => {
      const rows: Record<string, unknown>[] = await m.query(
        `SELECT * FROM jobs WHERE state = 'RUNNING' AND lease_expire_time < now()
         ORDER BY lease_expire_time LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      const out: ExpiredLease[] = [];
      for (const row of rows) {
        const job = this.jobs.toEntity(row);
        const expirations = job.leaseExpirations + 1;
        const to: ExpiredLease['to'] = job.cancelRequested
          ? 'CANCELLED'
          : job.pauseRequested
            ? 'PAUSED'
            : expirations >= maxExpirations
              ? 'FAILED'
              : 'QUEUED';
        const sqlSet = [
          'leased_by = NULL',
          'lease_expire_time = NULL',
          'lease_expirations = lease_expirations + 1',
        ];
        if (to !== 'QUEUED' && to !== 'PAUSED') sqlSet.push('end_time = now()');
        const set: Record<string, unknown> = { state: to, cancel_requested: false, pause_requested: false };
        if (to === 'FAILED') {
          set['error'] = {
            code: 4,
            message: `lease expired ${expirations} times (limit ${maxExpirations}); last executor ${job.leasedBy ?? '?'}`,
          };
        }
        const updated = await this.jobs.update(m, job.id, set, sqlSet);
        await this.jobs.appendEvents(m, job.id, [
          {
            type: 'LEASE_EXPIRED',
            attempt: job.attempt,
            message: `lease of attempt ${job.attempt} (${job.leasedBy ?? '?'}) expired`,
          },
          {
            type: 'STATE_CHANGED',
            fromState: 'RUNNING',
            toState: to,
            attempt: job.attempt,
            message: 'lease expired',
          },
        ]);
        if (to === 'QUEUED') await this.jobs.notifyQueue(m, job.baseModel);
        out.push({ job: updated, to });
      }
      return out;
    });
  }
}
