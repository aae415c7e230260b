// Public entry of @aepo/api: start the API in-process (the CLI, tests) or run dist/main.js as a child.
export {
  startApiServer,
  type RunningApi,
  type StartApiOptions,
  type BootstrapCredentials,
} from './server/api-server.js';
export { loadApiConfig, ConfigError, type ApiConfig } from './config/api-config.js';
export { registerApiMetrics, type ApiMetrics } from './metrics/api-metrics.js';
export { startEmbeddedPostgres, freePort, type EmbeddedDatabase } from './database/embedded-postgres.js';
export { runMigrations, MIGRATIONS_DIR } from './database/migration.runner.js';
