import { credentials, Metadata, type CallOptions, type Client, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient, FineTuningServiceClient, executorV1, parseResourceName } from '@aepo/contracts';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApiConfig } from '../config/api-config.js';
import { startApiServer, type RunningApi } from '../server/api-server.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const EXECUTOR_TOKEN = 'test-executor-token-0123456789';

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

// The generated methods are overloaded; conditional types read the last one
// (request, metadata, options, callback).
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyFn = (...args: any[]) => unknown;
type ReqOf<M> = M extends (req: infer Q, md: Metadata, o: Partial<CallOptions>, cb: any) => unknown
  ? Q
  : never;
type ResOf<M> = M extends (
  req: any,
  md: Metadata,
  o: Partial<CallOptions>,
  cb: (e: any, r: infer R) => void,
) => unknown
  ? R
  : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Promise form of a generated grpc-js unary method: `call(client, client.getJob, req, md)`. */
export function call<M extends AnyFn>(
  client: Client,
  method: M,
  req: ReqOf<M>,
  md: Metadata,
  options: Partial<CallOptions> = {},
): Promise<ResOf<M>> {
  return new Promise((resolve, reject) => {
    method.call(client, req, md, options, (err: ServiceError | null, res: ResOf<M>) =>
      err ? reject(err) : resolve(res),
    );
  });
}

export interface TestApi {
  api: RunningApi;
  admin: AdminServiceClient;
  executor: executorV1.ExecutorServiceClient;
  fineTuning(): FineTuningServiceClient;
  /** Creates a project and returns its API key metadata. */
  newProject(name?: string): Promise<{ projectId: string; md: Metadata }>;
  close(): Promise<void>;
}

/**
 * One real API on an embedded Postgres in a temp folder, with real grpc-js clients over TCP. With
 * `dataDir` the database lives there and outlives close() (a restart of the same API).
 */
export async function startTestApi(
  config: Partial<ApiConfig> = {},
  options: { dataDir?: string } = {},
): Promise<TestApi> {
  const dir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'aepo-api-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dir, 0o755);
  const api = await startApiServer({
    env: {
      AEPO_API_DATA_DIR: path.join(dir, 'pg'),
      AEPO_API_GRPC_ADDRESS: '127.0.0.1:0',
      AEPO_API_HTTP_ADDRESS: '127.0.0.1:0',
      AEPO_ADMIN_TOKEN: ADMIN_TOKEN,
      AEPO_EXECUTOR_TOKEN: EXECUTOR_TOKEN,
      AEPO_API_LOG_LEVEL: process.env['AEPO_TEST_LOG_LEVEL'] ?? 'silent',
    },
    config,
  });
  const creds = credentials.createInsecure();
  const clients: Client[] = [];
  const admin = new AdminServiceClient(api.grpcAddress, creds);
  const executor = new executorV1.ExecutorServiceClient(api.grpcAddress, creds);
  clients.push(admin, executor);
  return {
    api,
    admin,
    executor,
    fineTuning: () => {
      const c = new FineTuningServiceClient(api.grpcAddress, creds);
      clients.push(c);
      return c;
    },
    newProject: async (name = 'test project') => {
      const md = bearer(ADMIN_TOKEN);
      const created = await call(admin, admin.createProject, { displayName: name }, md);
      const project = created.project;
      const key = await call(admin, admin.createApiKey, { parent: project!.name, displayName: 'k' }, md);
      return { projectId: parseResourceName('project', project!.name)![0]!, md: bearer(key.secret) };
    },
    close: async () => {
      for (const c of clients) c.close();
      await api.close();
      if (options.dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
