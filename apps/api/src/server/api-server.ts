import { parseResourceName } from '@aepo/contracts';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApiModule } from '../api.module.js';
import { AdminService } from '../admin/admin.service.js';
import { AuthService } from '../auth/auth.service.js';
import { GrpcExceptionFilter } from '../common/grpc-exception.filter.js';
import { createLogger } from '../common/logger.js';
import { loadApiConfig, type ApiConfig } from '../config/api-config.js';
import { createDataSource } from '../database/data-source.js';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres.js';
import { runMigrations } from '../database/migration.runner.js';
import { NotifyRepository } from '../database/notify.repository.js';
import { ExecutorLeaseService } from '../executor/executor-lease.service.js';
import { ApiMetricsService } from '../metrics/api-metrics.service.js';
import { callMetricsInterceptor } from './call-metrics.js';
import { reflectionPackageDefinition, servicePackageDefinition } from './grpc-definitions.js';
import { rejectUndecodable } from './request-decoding.js';
import { grpcServerCredentials } from './grpc-tls.js';
import { createHttpServer } from './http-server.js';
import { PinoNestLogger } from './nest-logger.js';
import { ShutdownSignal } from './shutdown.signal.js';
import { WebhookDispatcher } from '../webhooks/webhook.dispatcher.js';
import { WebhookRetention } from '../webhooks/webhook.retention.js';

export interface StartApiOptions {
  /** Environment to read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Values that override the environment (already typed). */
  config?: Partial<ApiConfig>;
}

export interface BootstrapCredentials {
  projectId: string;
  apiKey: string;
}

export interface RunningApi {
  /** host:port of the gRPC server (for grpc-js clients). */
  grpcAddress: string;
  grpcUrl: string;
  httpUrl: string;
  databaseUrl: string;
  config: ApiConfig;
  /** Set when AEPO_API_BOOTSTRAP_PROJECT created a project and key at this start. */
  bootstrap: BootstrapCredentials | undefined;
  /** Graceful stop: streams and long polls end, in-flight calls finish, then everything closes. */
  close(): Promise<void>;
}

const SERVICES = [
  'aepo.v1.FineTuningService',
  'aepo.v1.AdminService',
  'aepo.v1.WebhookService',
  'aepo.executor.v1.ExecutorService',
];

async function resolveAddress(address: string): Promise<string> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  return `${host}:${port === 0 ? await freePort() : port}`;
}

function clientHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
}

/** Starts the whole API in this process: database, migrations, gRPC, HTTP, reaper. */
export async function startApiServer(options: StartApiOptions = {}): Promise<RunningApi> {
  const config: ApiConfig = { ...loadApiConfig(options.env ?? process.env), ...options.config };
  const logger = createLogger(config.logLevel);
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err) => logger.warn({ err }, 'shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      const db: EmbeddedDatabase = await startEmbeddedPostgres(
        config.dataDir,
        config.embeddedPgPort,
        (line) => logger.debug({ component: 'postgres' }, line),
      );
      cleanups.push(() => db.stop());
      if (db.stoppedStale)
        logger.warn(
          { pid: db.stoppedStale.pid, command: db.stoppedStale.command },
          'stopped a Postgres of this data folder left running by an earlier API (killed?)',
        );
      databaseUrl = db.url;
      logger.info({ dataDir: path.resolve(config.dataDir) }, 'embedded postgres started');
    }
    const applied = await runMigrations(databaseUrl);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');

    const dataSource = createDataSource(databaseUrl, config.dbPoolSize);
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    const notifier = new NotifyRepository(databaseUrl, logger);
    await notifier.start();
    cleanups.push(() => notifier.close());
    const shutdown = new ShutdownSignal();

    const grpcAddress = await resolveAddress(config.grpcAddress);
    const tls = await grpcServerCredentials(config.tls);
    cleanups.push(async () => tls.release());
    if (config.tls === undefined)
      logger.warn(
        { grpc: grpcAddress },
        'gRPC is served in plaintext: API keys and executor tokens cross the network unencrypted; ' +
          'set AEPO_API_TLS_CERT_FILE and AEPO_API_TLS_KEY_FILE outside local use',
      );
    const health = new HealthImplementation(Object.fromEntries(['', ...SERVICES].map((s) => [s, 'SERVING'])));
    let grpcServer: GrpcServer | undefined;
    // Filled once Nest has built the providers; the gRPC hook needs it per call, after that.
    const late: { metrics?: ApiMetricsService } = {};
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(
      ApiModule.forRoot({ config, logger, dataSource, notifier, shutdown }),
      {
        transport: Transport.GRPC,
        logger: new PinoNestLogger(logger),
        options: {
          url: grpcAddress,
          package: ['aepo.v1', 'aepo.executor.v1'],
          packageDefinition: servicePackageDefinition(),
          gracefulShutdown: true,
          channelOptions: {
            // Metrics first: it sees every status, also those grpc-js answers before the others run.
            interceptors: [
              callMetricsInterceptor((m, c, s) => late.metrics?.observeCall(m, c, s)),
              rejectUndecodable,
            ],
          } as Record<string, unknown>,
          credentials: tls.credentials,
          onLoadPackageDefinition: (_pkg: unknown, server: GrpcServer) => {
            grpcServer = server;
            health.addToServer(server);
            new ReflectionService(reflectionPackageDefinition()).addToServer(server);
          },
        },
      },
    );
    const metrics = app.get(ApiMetricsService);
    late.metrics = metrics;
    app.useGlobalFilters(new GrpcExceptionFilter(logger));
    await app.listen();
    const grpcDrain = async () => {
      // tryShutdown waits for in-flight calls; past the grace period the rest are cut.
      const timer = setTimeout(() => grpcServer?.forceShutdown(), config.shutdownGraceMs);
      await app.close();
      clearTimeout(timer);
    };
    cleanups.push(grpcDrain);

    const leases = app.get(ExecutorLeaseService);
    // Executors cannot renew a lease while the API is down, so a lease that ran out during a restart
    // says nothing about its executor: the first tick waits one lease TTL after the start, time for
    // every live executor to heartbeat again, so that restarting the control plane re-queues no job.
    let reaper: NodeJS.Timeout | undefined;
    const firstTick = setTimeout(() => {
      reaper = setInterval(() => {
        leases.reap().catch((err) => logger.warn({ err }, 'reaper tick failed'));
      }, config.reaperIntervalMs);
      reaper.unref();
    }, config.leaseTtlSeconds * 1000);
    firstTick.unref();
    cleanups.push(async () => {
      clearTimeout(firstTick);
      clearInterval(reaper);
    });

    // Stops before the database closes (cleanups run in reverse): hands back attempts in flight.
    const webhooks = app.get(WebhookDispatcher);
    webhooks.start();
    cleanups.push(() => webhooks.stop());
    const webhookRetention = app.get(WebhookRetention);
    webhookRetention.start();
    cleanups.push(() => webhookRetention.stop());

    const http = createHttpServer(
      {
        ready: async () => {
          await dataSource.query('SELECT 1');
        },
        metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.render() }),
      },
      logger,
    );
    const hi = config.httpAddress.lastIndexOf(':');
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(Number(config.httpAddress.slice(hi + 1)), config.httpAddress.slice(0, hi), resolve);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        }),
    );
    const httpPort = (http.address() as AddressInfo).port;
    const httpUrl = `http://${clientHost(config.httpAddress.slice(0, hi))}:${httpPort}`;
    const gi = grpcAddress.lastIndexOf(':');
    const grpcClientAddress = `${clientHost(grpcAddress.slice(0, gi))}:${grpcAddress.slice(gi + 1)}`;

    const bootstrap = config.bootstrapProject
      ? await bootstrapProject(app.get(AdminService), app.get(AuthService), config, grpcClientAddress, logger)
      : undefined;

    logger.info(
      { grpc: grpcClientAddress, http: httpUrl, tls: config.tls !== undefined },
      'aepo api listening',
    );
    let closing: Promise<void> | undefined;
    return {
      grpcAddress: grpcClientAddress,
      grpcUrl: `grpc://${grpcClientAddress}`,
      httpUrl,
      databaseUrl,
      config,
      bootstrap,
      close: () => {
        closing ??= (async () => {
          logger.info('shutting down');
          for (const s of ['', ...SERVICES]) health.setStatus(s, 'NOT_SERVING');
          shutdown.raise();
          await cleanup();
          logger.info('stopped');
          logger.flush?.();
        })();
        return closing;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * AEPO_API_BOOTSTRAP_PROJECT: creates a project and an API key at start. With AEPO_API_BOOTSTRAP_FILE
 * the credentials go to that file (mode 600) and a later start reuses them while the key stays valid,
 * so restarts do not pile up projects; without it they are logged once.
 */
async function bootstrapProject(
  admin: AdminService,
  auth: AuthService,
  config: ApiConfig,
  grpcAddress: string,
  logger: Logger,
): Promise<BootstrapCredentials> {
  const file = config.bootstrapFile;
  let creds: BootstrapCredentials | undefined;
  if (file && existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<BootstrapCredentials>;
      if (typeof saved.apiKey === 'string' && typeof saved.projectId === 'string') {
        const md = new Metadata();
        md.set('authorization', `Bearer ${saved.apiKey}`);
        if ((await auth.project(md)) === saved.projectId)
          creds = { projectId: saved.projectId, apiKey: saved.apiKey };
      }
    } catch {
      // unreadable or revoked: create new credentials below
    }
  }
  if (!creds) {
    const project = await admin.createProject(config.bootstrapProject ?? 'default');
    const { secret } = await admin.createApiKey(project.name, 'bootstrap');
    creds = { projectId: parseResourceName('project', project.name)![0]!, apiKey: secret };
    if (!file) logger.info(creds, 'bootstrap project created (API key shown once)');
  }
  if (file) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...creds, grpcAddress }) + '\n', { mode: 0o600 });
    logger.info({ projectId: creds.projectId, file }, 'bootstrap credentials written');
  }
  return creds;
}
