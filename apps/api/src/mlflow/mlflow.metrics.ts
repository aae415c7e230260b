import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { MlflowRunRepository } from './mlflow-run.repository.js';

/** Where the tracker's gauges read their values at scrape time (the run table in Postgres). */
export interface MlflowSyncState {
  lagSteps(): Promise<number>;
  inOutage(): Promise<number>;
}

/** The tracker's counters; its gauges are read from `state` at each scrape. */
export interface MlflowMetricSet {
  syncFailures: Counter<'reason'>;
  metricsLogged: Counter;
}

/**
 * Registers the tracker's metrics of docs/metrics.md on `registry`: a plain function, like
 * registerApiMetrics, so that test/deploy-metrics.spec.ts sees every name the API exports.
 */
export function registerMlflowMetrics(registry: Registry, state: MlflowSyncState): MlflowMetricSet {
  const registers = [registry];
  new Gauge({
    name: 'aepo_mlflow_sync_lag_steps',
    help: 'Step records of unfinished tracked jobs not yet sent to MLflow',
    registers,
    async collect() {
      this.set(await state.lagSteps());
    },
  });
  new Gauge({
    name: 'aepo_mlflow_jobs_unavailable',
    help: 'Tracked jobs whose MLflow server is failing now',
    registers,
    async collect() {
      this.set(await state.inOutage());
    },
  });
  return {
    syncFailures: new Counter({
      name: 'aepo_mlflow_sync_failures_total',
      help: 'Failed MLflow sync attempts of a job (reason: unreachable = no answer or 5xx, refused = 4xx)',
      labelNames: ['reason'],
      registers,
    }),
    metricsLogged: new Counter({
      name: 'aepo_mlflow_metrics_logged_total',
      help: 'Metric points sent to MLflow with runs/log-batch',
      registers,
    }),
  };
}

/** The tracker's Prometheus metrics, on the API's registry. */
@Injectable()
export class MlflowMetrics {
  readonly syncFailures: Counter<'reason'>;
  readonly metricsLogged: Counter;

  constructor(
    @Inject(ApiMetricsService) api: ApiMetricsService,
    @Inject(MlflowRunRepository) runs: MlflowRunRepository,
  ) {
    const metrics = registerMlflowMetrics(api.registry, runs);
    this.syncFailures = metrics.syncFailures;
    this.metricsLogged = metrics.metricsLogged;
  }
}
