import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { API_CONFIG, type ApiConfig, type WebhookDeliveryConfig } from '../config/api-config.js';
import { NotifyRepository } from '../database/notify.repository.js';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { retryDelayMs } from './webhook-backoff.js';
import { postWebhook } from './webhook-sender.js';
import { webhookHeaders, webhookIdOf } from './webhook-signature.js';
import { WebhookRepository, type ClaimedDelivery } from './webhook.repository.js';

/** How long past the HTTP timeout a claim lasts: a replica that died mid-attempt frees it then. */
const CLAIM_MARGIN_MS = 10_000;
/** Shortest wait between two looks at the outbox (a due row of a busy replica must not spin). */
const MIN_WAIT_MS = 20;

/**
 * The delivery worker of one API replica: claims due outbox rows (SKIP LOCKED, so replicas share the
 * work), POSTs them signed, and stores each outcome. Woken by NOTIFY when rows are queued, and by a
 * timer at the next due attempt or every `pollMs` at the latest.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly settings: WebhookDeliveryConfig;
  /** Attempts in flight, by claim id. */
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private running = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(WebhookRepository) private readonly repo: WebhookRepository,
    @Inject(NotifyRepository) private readonly notifier: NotifyRepository,
    @Inject(ApiMetricsService) private readonly metrics: ApiMetricsService,
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.settings = config.webhooks;
  }

  /** Starts delivering (no-op with concurrency 0: this replica only queues). */
  start(): void {
    if (this.running || this.settings.concurrency === 0) return;
    this.running = true;
    this.unsubscribe = this.notifier.onWebhook(() => this.wake());
    this.wake();
  }

  /**
   * Stops: attempts in flight are aborted and their claims handed back, so another replica (or the
   * next start) sends them at once, with the same webhook-id. A receiver may already have got one.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.pumping;
    const claims = [...this.inFlight.keys()];
    for (const { abort } of this.inFlight.values()) abort.abort();
    await Promise.all([...this.inFlight.values()].map((a) => a.done));
    await this.repo.release(claims).catch((err) => this.logger.warn({ err }, 'webhook claims not released'));
  }

  private wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Fills the free slots with due deliveries, then sets the timer for the next look. */
  private async pump(): Promise<void> {
    let wait = this.settings.pollMs;
    try {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free > 0) {
        const claimed = await this.repo.claimDue(free, this.settings.timeoutMs + CLAIM_MARGIN_MS);
        for (const delivery of claimed) this.send(delivery);
        // A full batch may have left more due rows: look again at once.
        if (claimed.length === free) this.again = true;
        const next = await this.repo.msUntilNextDue();
        if (next !== null) wait = Math.min(wait, Math.max(MIN_WAIT_MS, next));
      }
    } catch (err) {
      this.logger.warn({ err }, 'webhook outbox unreachable; retrying');
    }
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private send(delivery: ClaimedDelivery): void {
    const abort = new AbortController();
    const done = this.attempt(delivery, abort.signal)
      .catch((err) => this.logger.warn({ err, deliveryId: delivery.id }, 'webhook attempt not recorded'))
      .finally(() => {
        this.inFlight.delete(delivery.claim_id);
        this.wake();
      });
    this.inFlight.set(delivery.claim_id, { abort, done });
  }

  private async attempt(d: ClaimedDelivery, abort: AbortSignal): Promise<void> {
    const s = this.settings;
    const headers = webhookHeaders(d.secret, webhookIdOf(d.id), d.payload);
    const outcome = await postWebhook(d.url, d.payload, headers, {
      timeoutMs: s.timeoutMs,
      abort,
      allowPrivate: s.allowPrivate,
    });
    // Stopping: the claim is handed back instead (stop()), the attempt is not recorded.
    if (abort.aborted) return;
    if (outcome.ok) {
      if (await this.repo.markDelivered(d.id, d.claim_id, outcome.statusCode))
        this.metrics.webhookAttempt('delivered');
      return;
    }
    const state = await this.repo.markFailed(d.id, d.claim_id, outcome, {
      // The claim counted this attempt: attempt_count failures so far.
      retryMs: retryDelayMs(d.attempt_count, s.retryBaseMs, s.retryMaxMs),
      maxAttempts: s.maxAttempts,
      maxAgeSeconds: s.maxAgeSeconds,
    });
    if (state === null) return;
    this.metrics.webhookAttempt(state === 'FAILED' ? 'failed' : 'retry');
    this.logger.info({ deliveryId: d.id, url: d.url, error: outcome.error, state }, 'webhook attempt failed');
  }
}
