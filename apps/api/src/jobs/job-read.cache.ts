import type { JobEntity } from '../database/entities/index.js';

/**
 * Short-lived in-process cache of job rows for reads (GetJob, the ownership check of record lists and
 * streams). Correctness rests on invalidation, not on the TTL:
 * - every write through JobRepository invalidates the job before and after its commit, so a caller
 *   always reads its own writes;
 * - every committed job change sends NOTIFY aepo_job (other replicas invalidate on it);
 * - a read stores its row only if no invalidation happened since the read began (epoch check), so a
 *   read racing a commit cannot put the old row back;
 * - while the LISTEN connection is down the cache is bypassed; the TTL bounds anything else.
 */
export class JobReadCache {
  private readonly entries = new Map<string, { job: JobEntity; until: number }>();
  private epoch = 0;
  private enabled = true;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get active(): boolean {
    return this.enabled && this.ttlMs > 0;
  }

  get(id: string): JobEntity | undefined {
    if (!this.active) return undefined;
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.until < Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return hit.job;
  }

  /** Call before reading from the database; pass the result to `set`. */
  begin(): number {
    return this.epoch;
  }

  set(job: JobEntity, since: number): void {
    if (!this.active || since !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(job.id, { job, until: Date.now() + this.ttlMs });
  }

  invalidate(id: string): void {
    this.epoch += 1;
    this.entries.delete(id);
  }

  /** LISTEN connection lost (false) or back (true): bypass and empty the cache meanwhile. */
  setEnabled(enabled: boolean): void {
    this.epoch += 1;
    this.entries.clear();
    this.enabled = enabled;
  }
}
