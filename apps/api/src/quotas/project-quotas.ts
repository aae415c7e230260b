import { Inject, Injectable } from '@nestjs/common';
import { QuotaExceededError } from '../common/api-error.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { Tx } from '../database/tx.js';
import { QuotaRepository } from './quota.repository.js';

/** Names of the quotas, as the QuotaFailure detail carries them. */
export type QuotaId = 'concurrent_jobs' | 'concurrent_uploads' | 'stored_dataset_bytes' | 'open_streams';

/** The error for a project that reached `limit` of quota `id`; `what` says what was refused. */
export function quotaExceeded(
  projectId: string,
  id: QuotaId,
  limit: number,
  what: string,
): QuotaExceededError {
  return new QuotaExceededError({
    subject: `projects/${projectId}`,
    quotaId: id,
    quotaValue: limit,
    description: `${what}: quota ${id} of this project is ${limit} (set by the operator)`,
  });
}

/** Counts of things a project holds open in this API process, each capped. */
class OpenSlots {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly id: QuotaId,
    private readonly limit: number,
    private readonly what: string,
  ) {}

  /** Takes a slot or throws the quota error; the returned function gives it back (once). */
  acquire(projectId: string): () => void {
    const n = this.held.get(projectId) ?? 0;
    if (n >= this.limit) throw quotaExceeded(projectId, this.id, this.limit, this.what);
    this.held.set(projectId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(projectId) ?? 1) - 1;
      if (left > 0) this.held.set(projectId, left);
      else this.held.delete(projectId);
    };
  }
}

/**
 * Per-project quotas (AEPO_API_QUOTA_*). Active jobs, uploads in progress and stored bytes are counted
 * in Postgres under advisory locks, so they hold across API replicas; open streams are counted in this
 * API process (each replica enforces its own count: a stream holds sockets and memory of one process).
 */
@Injectable()
export class ProjectQuotas {
  private readonly streams: OpenSlots;
  /** CreateJob's count-then-insert, one at a time per project here (no pool connection waits idle). */
  private readonly jobTurns = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(QuotaRepository) private readonly held: QuotaRepository,
  ) {
    this.streams = new OpenSlots('open_streams', config.quotas.openStreams, 'too many open streams');
  }

  /** Takes one of the project's upload slots for the upload's transaction, or throws the quota error. */
  async takeUploadSlot(projectId: string, upload: Tx): Promise<void> {
    const limit = this.config.quotas.concurrentUploads;
    if (!(await this.held.tryTakeSlot(upload, `dataset-uploads:${projectId}`, limit)))
      throw quotaExceeded(projectId, 'concurrent_uploads', limit, 'too many dataset uploads in progress');
  }

  acquireStream(projectId: string): () => void {
    return this.streams.acquire(projectId);
  }

  /** Bytes the project's datasets already take (read once when an upload starts). */
  storedDatasetBytes(projectId: string): Promise<number> {
    return this.held.storedDatasetBytes(projectId);
  }

  /**
   * The exact check before an upload commits: under the project's lock (held to the upload's end),
   * the committed datasets plus this upload's `bytes`. Uploads of a project finishing at once, on any
   * replica, take turns here, so two cannot both fit into the same free bytes.
   */
  async checkStoredBytesAtCommit(projectId: string, upload: Tx, bytes: number): Promise<void> {
    await this.held.lock(upload, `dataset-bytes:${projectId}`);
    this.checkStoredBytes(projectId, (await this.held.storedDatasetBytes(projectId, upload)) + bytes);
  }

  /** Throws when storing `bytes` in all would exceed the project's dataset bytes. */
  checkStoredBytes(projectId: string, bytes: number): void {
    const limit = this.config.quotas.datasetBytes;
    if (bytes > limit)
      throw quotaExceeded(
        projectId,
        'stored_dataset_bytes',
        limit,
        'the datasets would exceed the stored bytes',
      );
  }

  /**
   * Runs `insert` (in the transaction it is given) when the project has fewer active jobs than its
   * quota. Creates of a project take turns: here in this process, and across replicas under the
   * project's advisory lock, which the count and the insert share.
   */
  async withJobSlot<T>(projectId: string, insert: (tx: Tx) => Promise<T>): Promise<T> {
    const previous = this.jobTurns.get(projectId) ?? Promise.resolve();
    const turn = previous.then(() =>
      this.held.underProjectLock(`jobs:${projectId}`, async (tx) => {
        const limit = this.config.quotas.activeJobs;
        if ((await this.held.activeJobs(projectId, tx)) >= limit)
          throw quotaExceeded(projectId, 'concurrent_jobs', limit, 'too many QUEUED, RUNNING or PAUSED jobs');
        return insert(tx);
      }),
    );
    const settled = turn.catch(() => undefined);
    this.jobTurns.set(projectId, settled);
    void settled.then(() => {
      if (this.jobTurns.get(projectId) === settled) this.jobTurns.delete(projectId);
    });
    return turn;
  }
}
