import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { rowsOf } from '../database/sql-rows.js';

/** A job's row of mlflow_runs (migration 0006): where its MLflow run is and how far it was sent. */
export interface TrackedRun {
  jobId: string;
  trackingUri: string;
  experimentId: string | null;
  runId: string | null;
  paramsLogged: boolean;
  stepRevision: number;
  evalRevision: number;
  eventSequence: number;
  runStatus: string | null;
  modelVersion: string | null;
  failures: number;
  outageSince: Date | null;
  claimToken: string;
}

/** The job as the tracker needs it. */
export interface TrackedJob {
  id: string;
  projectId: string;
  state: string;
  spec: Record<string, unknown>;
  entropyTarget: unknown;
  baseModel: string;
  createTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  bestCheckpointId: string | null;
}

export interface TrackedRecord {
  step: number;
  revision: number;
  createTime: Date;
  record: unknown;
}

export interface TrackedEvent {
  sequence: number;
  createTime: Date;
  type: string;
  fromState: string | null;
  toState: string | null;
  attempt: number;
  message: string;
}

export interface TrackedCheckpoint {
  id: string;
  step: number;
  uri: string;
  entropy: number;
  inBand: boolean;
  rewardMean: number;
  validationAccuracy: number | null;
}

/** The cursors a sync moves forward. */
export type Cursor = 'stepRevision' | 'evalRevision' | 'eventSequence';

/** What the tracker writes of its row of a job (the claim and the schedule are the repository's). */
export interface RunChanges {
  runId?: string | null;
  experimentId?: string | null;
  paramsLogged?: boolean;
  stepRevision?: number;
  evalRevision?: number;
  eventSequence?: number;
  runStatus?: string | null;
  modelVersion?: string | null;
  done?: boolean;
  failures?: number;
  lastError?: string | null;
  outageSince?: Date | null;
}

const RUN_COLUMNS: Record<keyof RunChanges, string> = {
  runId: 'run_id',
  experimentId: 'experiment_id',
  paramsLogged: 'params_logged',
  stepRevision: 'step_revision',
  evalRevision: 'eval_revision',
  eventSequence: 'event_sequence',
  runStatus: 'run_status',
  modelVersion: 'model_version',
  done: 'done',
  failures: 'failures',
  lastError: 'last_error',
  outageSince: 'outage_since',
};

/** `column = $n` for each change, its value appended to `params`. */
function assignments(changes: RunChanges, params: unknown[]): string[] {
  return Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${RUN_COLUMNS[key as keyof RunChanges]} = $${params.push(value)}`);
}

/** Thrown when another replica took over the job (this replica's claim lapsed). */
export class ClaimLostError extends Error {
  constructor(jobId: string) {
    super(`the MLflow sync claim of job ${jobId} was lost`);
    this.name = 'ClaimLostError';
  }
}

const num = (v: unknown) => Number(v);

/** Every database access of the MLflow tracker; writes to mlflow_runs are fenced by the claim token. */
@Injectable()
export class MlflowRunRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * The tracker's own bookkeeping, committed without waiting for the WAL flush, so that it never
   * queues behind (or in front of) the executors' commits on the disk. A crash may lose the last
   * cursor moves: the records are then sent again with the same timestamps, which MLflow's SQL store
   * keeps once, and a run or model version is found again by its tag or run.
   */
  private write(sql: string, params: unknown[] = []): Promise<unknown> {
    return this.ds.transaction(async (m) => {
      await m.query('SET LOCAL synchronous_commit TO off');
      return m.query(sql, params);
    });
  }

  /** Adds a row for every job whose stored spec names a tracking server and has none yet. */
  async discover(): Promise<number> {
    const rows = rowsOf<{ job_id: string }>(
      await this.write(
        `INSERT INTO mlflow_runs (job_id, tracking_uri)
         SELECT j.id, j.spec->'mlflow'->>'trackingUri' FROM jobs j
         WHERE j.spec ? 'mlflow' AND NOT EXISTS (SELECT 1 FROM mlflow_runs r WHERE r.job_id = j.id)
         ON CONFLICT (job_id) DO NOTHING RETURNING job_id`,
      ),
    );
    return rows.length;
  }

  /**
   * Claims up to `limit` due jobs for `ttlSeconds` (SKIP LOCKED: replicas never wait on each other, and
   * a job is synced by one replica at a time).
   */
  async claim(token: string, limit: number, ttlSeconds: number): Promise<TrackedRun[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.write(
        `UPDATE mlflow_runs SET claim_token = $1, claim_expire_time = now() + make_interval(secs => $3)
         WHERE job_id IN (
           SELECT job_id FROM mlflow_runs
           WHERE NOT done AND next_attempt_time <= now()
             AND (claim_expire_time IS NULL OR claim_expire_time < now())
           ORDER BY next_attempt_time LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [token, limit, ttlSeconds],
      ),
    );
    return rows.map((r) => ({
      jobId: String(r['job_id']),
      trackingUri: String(r['tracking_uri']),
      experimentId: (r['experiment_id'] as string | null) ?? null,
      runId: (r['run_id'] as string | null) ?? null,
      paramsLogged: r['params_logged'] === true,
      stepRevision: num(r['step_revision']),
      evalRevision: num(r['eval_revision']),
      eventSequence: num(r['event_sequence']),
      runStatus: (r['run_status'] as string | null) ?? null,
      modelVersion: (r['model_version'] as string | null) ?? null,
      failures: num(r['failures']),
      outageSince: (r['outage_since'] as Date | null) ?? null,
      claimToken: token,
    }));
  }

  /** Writes columns of a claimed row and renews the claim; ClaimLostError when it is no longer ours. */
  async update(run: TrackedRun, changes: RunChanges, ttlSeconds: number): Promise<void> {
    const params: unknown[] = [run.jobId, run.claimToken, ttlSeconds];
    const parts = [
      'update_time = now()',
      'claim_expire_time = now() + make_interval(secs => $3)',
      ...assignments(changes, params),
    ];
    const rows = rowsOf<{ job_id: string }>(
      await this.write(
        `UPDATE mlflow_runs SET ${parts.join(', ')} WHERE job_id = $1 AND claim_token = $2 RETURNING job_id`,
        params,
      ),
    );
    if (rows.length === 0) throw new ClaimLostError(run.jobId);
  }

  /** Ends a claim; the job is due again after `delayMs`. */
  async release(run: TrackedRun, delayMs: number, changes: RunChanges = {}): Promise<void> {
    const params: unknown[] = [run.jobId, run.claimToken, delayMs / 1000];
    const parts = [
      'update_time = now()',
      'claim_token = NULL',
      'claim_expire_time = NULL',
      'next_attempt_time = now() + make_interval(secs => $3)',
      ...assignments(changes, params),
    ];
    await this.write(
      `UPDATE mlflow_runs SET ${parts.join(', ')} WHERE job_id = $1 AND claim_token = $2`,
      params,
    );
  }

  async job(jobId: string): Promise<TrackedJob | null> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.ds.query(
        `SELECT id, project_id, state, spec, entropy_target, base_model, create_time, start_time,
                end_time, best_checkpoint_id FROM jobs WHERE id = $1`,
        [jobId],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r['id']),
      projectId: String(r['project_id']),
      state: String(r['state']),
      spec: r['spec'] as Record<string, unknown>,
      entropyTarget: r['entropy_target'],
      baseModel: String(r['base_model']),
      createTime: r['create_time'] as Date,
      startTime: (r['start_time'] as Date | null) ?? null,
      endTime: (r['end_time'] as Date | null) ?? null,
      bestCheckpointId: (r['best_checkpoint_id'] as string | null) ?? null,
    };
  }

  /** Records written after `afterRevision`, in write order. */
  async records(
    table: 'step_records' | 'evaluation_records',
    jobId: string,
    afterRevision: number,
    limit: number,
  ): Promise<TrackedRecord[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.ds.query(
        `SELECT step, revision, create_time, record FROM ${table}
         WHERE job_id = $1 AND revision > $2 ORDER BY revision LIMIT $3`,
        [jobId, afterRevision, limit],
      ),
    );
    return rows.map((r) => ({
      step: num(r['step']),
      revision: num(r['revision']),
      createTime: r['create_time'] as Date,
      record: r['record'],
    }));
  }

  async events(jobId: string, afterSequence: number, limit: number): Promise<TrackedEvent[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.ds.query(
        `SELECT sequence, create_time, type, from_state, to_state, attempt, message FROM job_events
         WHERE job_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
        [jobId, afterSequence, limit],
      ),
    );
    return rows.map((r) => ({
      sequence: num(r['sequence']),
      createTime: r['create_time'] as Date,
      type: String(r['type']),
      fromState: (r['from_state'] as string | null) ?? null,
      toState: (r['to_state'] as string | null) ?? null,
      attempt: num(r['attempt']),
      message: String(r['message']),
    }));
  }

  /** The checkpoint to register: the best in band, else the latest one whose files are kept. */
  async checkpointToRegister(job: TrackedJob): Promise<TrackedCheckpoint | null> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.ds.query(
        `SELECT id, step, uri, entropy, in_band, reward_mean, validation_accuracy FROM checkpoints
         WHERE job_id = $1 AND (id = $2::uuid OR delete_time IS NULL)
         ORDER BY (id = $2::uuid) DESC NULLS LAST, step DESC LIMIT 1`,
        [job.id, job.bestCheckpointId],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r['id']),
      step: num(r['step']),
      uri: String(r['uri']),
      entropy: num(r['entropy']),
      inBand: r['in_band'] === true,
      rewardMean: num(r['reward_mean']),
      validationAccuracy: r['validation_accuracy'] === null ? null : num(r['validation_accuracy']),
    };
  }

  /** Whether the job has records or events past the run's cursors (one cheap query before any HTTP). */
  async hasNew(run: TrackedRun): Promise<boolean> {
    const rows = rowsOf<{ any: boolean }>(
      await this.ds.query(
        `SELECT EXISTS (SELECT 1 FROM step_records WHERE job_id = $1 AND revision > $2)
             OR EXISTS (SELECT 1 FROM evaluation_records WHERE job_id = $1 AND revision > $3)
             OR EXISTS (SELECT 1 FROM job_events WHERE job_id = $1 AND sequence > $4) AS any`,
        [run.jobId, run.stepRevision, run.evalRevision, run.eventSequence],
      ),
    );
    return rows[0]?.any === true;
  }

  /** Step records of unfinished tracked jobs not yet in MLflow (the lag gauge). */
  async lagSteps(): Promise<number> {
    const rows = rowsOf<{ n: string }>(
      await this.ds.query(
        `SELECT count(*) AS n FROM mlflow_runs r
         JOIN step_records s ON s.job_id = r.job_id AND s.revision > r.step_revision WHERE NOT r.done`,
      ),
    );
    return num(rows[0]?.n ?? 0);
  }

  /** Tracked jobs whose server is failing now. */
  async inOutage(): Promise<number> {
    const rows = rowsOf<{ n: string }>(
      await this.ds.query(
        'SELECT count(*) AS n FROM mlflow_runs WHERE NOT done AND outage_since IS NOT NULL',
      ),
    );
    return num(rows[0]?.n ?? 0);
  }
}
