import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AdminController } from './admin/admin.controller.js';
import { AdminService } from './admin/admin.service.js';
import { ArtifactController } from './artifacts/artifact.controller.js';
import { ArtifactRepository } from './artifacts/artifact.repository.js';
import { ArtifactService } from './artifacts/artifact.service.js';
import { ApiKeyRepository } from './auth/api-key.repository.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthService } from './auth/auth.service.js';
import { LOGGER } from './common/logger.js';
import { API_CONFIG, type ApiConfig } from './config/api-config.js';
import { DATA_SOURCE } from './database/data-source.js';
import { NotifyRepository } from './database/notify.repository.js';
import { DatasetController } from './datasets/dataset.controller.js';
import { DatasetRepository } from './datasets/dataset.repository.js';
import { DatasetService } from './datasets/dataset.service.js';
import { ExecutorController } from './executor/executor.controller.js';
import { ExecutorCompletionService } from './executor/executor-completion.service.js';
import { ExecutorLeaseService } from './executor/executor-lease.service.js';
import { ExecutorProgressService } from './executor/executor-progress.service.js';
import { ExecutorRowsService } from './executor/executor-rows.service.js';
import { LeaseFence } from './executor/lease-fence.js';
import { RewindService } from './executor/rewind.service.js';
import { LeaseRepository } from './executor/lease.repository.js';
import { JobController } from './jobs/job.controller.js';
import { JobRepository } from './jobs/job.repository.js';
import { JobService } from './jobs/job.service.js';
import { ApiMetricsService } from './metrics/api-metrics.service.js';
import { MLFLOW_PROVIDERS } from './mlflow/mlflow.providers.js';
import { ProjectQuotas } from './quotas/project-quotas.js';
import { QuotaRepository } from './quotas/quota.repository.js';
import { RecordController } from './records/record.controller.js';
import { RecordRepository } from './records/record.repository.js';
import { RecordService } from './records/record.service.js';
import { ShutdownSignal } from './server/shutdown.signal.js';
import { WebhookController } from './webhooks/webhook.controller.js';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher.js';
import { WebhookRetention } from './webhooks/webhook.retention.js';
import { WebhookRepository } from './webhooks/webhook.repository.js';
import { WebhookService } from './webhooks/webhook.service.js';

/** Process-level resources created before Nest (database, LISTEN connection), passed in as values. */
export interface ApiRuntime {
  config: ApiConfig;
  logger: Logger;
  dataSource: DataSource;
  notifier: NotifyRepository;
  shutdown: ShutdownSignal;
}

@Module({})
export class ApiModule {
  static forRoot(runtime: ApiRuntime): DynamicModule {
    return {
      module: ApiModule,
      controllers: [
        AdminController,
        DatasetController,
        JobController,
        RecordController,
        ExecutorController,
        WebhookController,
        ArtifactController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: runtime.config },
        { provide: LOGGER, useValue: runtime.logger },
        { provide: DATA_SOURCE, useValue: runtime.dataSource },
        { provide: NotifyRepository, useValue: runtime.notifier },
        { provide: ShutdownSignal, useValue: runtime.shutdown },
        ApiKeyRepository,
        AuthService,
        // Every gRPC handler passes it: each controller declares the credential its calls present.
        { provide: APP_GUARD, useClass: AuthGuard },
        AdminService,
        DatasetRepository,
        DatasetService,
        JobRepository,
        JobService,
        RecordRepository,
        RecordService,
        LeaseRepository,
        LeaseFence,
        RewindService,
        ExecutorLeaseService,
        ExecutorRowsService,
        ExecutorProgressService,
        ExecutorCompletionService,
        ApiMetricsService,
        QuotaRepository,
        ProjectQuotas,
        WebhookRepository,
        WebhookService,
        WebhookDispatcher,
        WebhookRetention,
        ArtifactRepository,
        ArtifactService,
        ...MLFLOW_PROVIDERS,
      ],
    };
  }
}
