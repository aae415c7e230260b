import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { JobRepository } from '../jobs/job.repository.js';
import { WebhookRepository } from '../webhooks/webhook.repository.js';
import {
  JOB_STATE_LABELS,
  registerApiMetrics,
  type ApiMetrics,
  type WebhookAttemptOutcome,
} from './api-metrics.js';

/** Owns the app's registry; gauges that mirror the database are refreshed at scrape time. */
@Injectable()
export class ApiMetricsService {
  readonly registry = new Registry();
  readonly metrics: ApiMetrics;

  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(WebhookRepository) private readonly webhooks: WebhookRepository,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.metrics = registerApiMetrics(this.registry);
  }

  observeCall(method: string, code: string, seconds: number): void {
    this.metrics.grpcRequestDuration.observe({ method, code }, seconds);
  }

  leaseExpired(): void {
    this.metrics.leaseExpirations.inc();
  }

  webhookAttempt(outcome: WebhookAttemptOutcome): void {
    this.metrics.webhookDeliveries.inc({ outcome });
  }

  async refresh(): Promise<void> {
    const counts = await this.jobs.stateCounts();
    for (const state of JOB_STATE_LABELS) this.metrics.jobs.set({ state }, counts[state] ?? 0);
    this.metrics.queueDepth.set(counts['QUEUED'] ?? 0);
    this.metrics.activeLeases.set(counts['RUNNING'] ?? 0);
    this.metrics.webhookQueueDepth.set(await this.webhooks.pendingCount());
  }

  async render(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }
}
