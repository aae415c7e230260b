import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Job states as they appear in the `state` label of `aepo_api_jobs`. */
export const JOB_STATE_LABELS = ['QUEUED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

/** The API's metrics, exactly as named in docs/metrics.md. */
export interface ApiMetrics {
  grpcRequestDuration: Histogram<'method' | 'code'>;
  jobs: Gauge<'state'>;
  queueDepth: Gauge;
  activeLeases: Gauge;
  leaseExpirations: Counter;
  webhookDeliveries: Counter<'outcome'>;
  webhookQueueDepth: Gauge;
}

/** Outcomes of a webhook attempt in the `outcome` label of `aepo_api_webhook_deliveries_total`. */
export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'failed';

/** Registers the API metrics of docs/metrics.md on `registry` and returns them. */
export function registerApiMetrics(registry: Registry): ApiMetrics {
  return {
    grpcRequestDuration: new Histogram({
      name: 'aepo_api_grpc_request_duration_seconds',
      help: 'gRPC calls by full method name and status code name',
      labelNames: ['method', 'code'],
      // Unary calls are milliseconds; streams and long-poll leases last up to minutes.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    jobs: new Gauge({
      name: 'aepo_api_jobs',
      help: 'Jobs by state',
      labelNames: ['state'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'aepo_api_queue_depth',
      help: 'Jobs waiting for an executor (QUEUED, not leased)',
      registers: [registry],
    }),
    activeLeases: new Gauge({
      name: 'aepo_api_active_leases',
      help: 'Jobs currently leased by an executor',
      registers: [registry],
    }),
    leaseExpirations: new Counter({
      name: 'aepo_api_lease_expirations_total',
      help: 'Leases that expired and were reaped',
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'aepo_api_webhook_deliveries_total',
      help: 'Webhook attempts by outcome: delivered (2xx), retry (failed, tried again later), failed (gave up)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    webhookQueueDepth: new Gauge({
      name: 'aepo_api_webhook_queue_depth',
      help: 'Webhook deliveries not yet delivered nor given up (PENDING)',
      registers: [registry],
    }),
  };
}
