import { MlflowMetrics } from './mlflow.metrics.js';
import { MlflowRunRepository } from './mlflow-run.repository.js';
import { MlflowTracker } from './mlflow.tracker.js';

/** The MLflow tracker and what it needs (one entry in ApiModule). */
export const MLFLOW_PROVIDERS = [MlflowRunRepository, MlflowMetrics, MlflowTracker];
