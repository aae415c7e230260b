import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { MlflowRunRepository } from './mlflow-run.repository.js';

/** The tracker's Prometheus metrics (docs/metrics.md), on the API's registry. */
@Injectable()
export class MlflowMetrics {
  readonly syncFailures: Counter<'reason'>;
  readonly metricsLogged: Counter;

  constructor(
    @Inject(ApiMetricsService) api: ApiMetricsService,
    @Inject(MlflowRunRepository) runs: MlflowRunRepository,
  ) {
    const registers = [api.registry];
    this.syncFailures = new Counter({
      name: 'aepo_mlflow_sync_failures_total',
      help: 'Failed MLflow sync attempts of a job (reason: unreachable = no answer or 5xx, refused = 4xx)',
      labelNames: ['reason'],
      registers,
    });
    this.metricsLogged = new Counter({
      name: 'aepo_mlflow_metrics_logged_total',
      help: 'Metric points sent to MLflow with runs/log-batch',
      registers,
    });
    new Gauge({
      name: 'aepo_mlflow_sync_lag_steps',
      help: 'Step records of unfinished tracked jobs not yet sent to MLflow',
      registers,
      async collect() {
        this.set(await runs.lagSteps());
      },
    });
    new Gauge({
      name: 'aepo_mlflow_jobs_unavailable',
      help: 'Tracked jobs whose MLflow server is failing now',
      registers,
      async collect() {
        this.set(await runs.inOutage());
      },
    });
  }
}
