import { ApiKeyEntity } from './api-key.entity.js';
import { CheckpointEntity } from './checkpoint.entity.js';
import { DatasetRowEntity } from './dataset-row.entity.js';
import { DatasetEntity } from './dataset.entity.js';
import { EvaluationRecordEntity } from './evaluation-record.entity.js';
import { JobEventEntity } from './job-event.entity.js';
import { JobEntity } from './job.entity.js';
import { MlflowRunEntity } from './mlflow-run.entity.js';
import { ProjectEntity } from './project.entity.js';
import { StepRecordEntity } from './step-record.entity.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

export {
  ApiKeyEntity,
  CheckpointEntity,
  DatasetEntity,
  DatasetRowEntity,
  EvaluationRecordEntity,
  JobEntity,
  JobEventEntity,
  MlflowRunEntity,
  ProjectEntity,
  StepRecordEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
};
export type { JobStateName } from './job.entity.js';

export const ENTITIES = [
  ProjectEntity,
  ApiKeyEntity,
  DatasetEntity,
  DatasetRowEntity,
  JobEntity,
  JobEventEntity,
  StepRecordEntity,
  EvaluationRecordEntity,
  CheckpointEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  MlflowRunEntity,
];
