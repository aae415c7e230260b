import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { WebhookRepository } from './webhook.repository.js';

/** Rows per DELETE: each statement locks few rows, briefly, however large the log has grown. */
export const RETENTION_BATCH_ROWS = 1000;
/** How often each replica sweeps (and once at start). */
export const RETENTION_SWEEP_MS = 5 * 60_000;

/**
 * Keeps the delivery log bounded: deletes DELIVERED and FAILED deliveries older than
 * AEPO_API_WEBHOOK_RETENTION_DAYS, in batches. Every replica sweeps; SKIP LOCKED keeps replicas
 * sweeping at the same moment off each other's rows. PENDING deliveries are never touched.
 */
@Injectable()
export class WebhookRetention {
  private readonly days: number;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(WebhookRepository) private readonly repo: WebhookRepository,
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.days = config.webhooks.retentionDays;
  }

  /** Sweeps now and every RETENTION_SWEEP_MS (no-op with retention 0: the log is kept forever). */
  start(): void {
    if (this.timer || this.days === 0) return;
    this.stopping = false;
    this.timer = setInterval(() => this.tick(), RETENTION_SWEEP_MS);
    this.timer.unref();
    this.tick();
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  private tick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep()
      .then((deleted) => {
        if (deleted > 0) this.logger.info({ deleted, days: this.days }, 'old webhook deliveries deleted');
      })
      .catch((err) => this.logger.warn({ err }, 'webhook retention sweep failed; next one later'))
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  /** Deletes batch after batch until one comes back short; returns the rows deleted. */
  private async sweep(): Promise<number> {
    let deleted = 0;
    while (!this.stopping) {
      const n = await this.repo.deleteFinished(this.days, RETENTION_BATCH_ROWS);
      deleted += n;
      if (n < RETENTION_BATCH_ROWS) break;
    }
    return deleted;
  }
}
