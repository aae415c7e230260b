/**
 * TLS on the gRPC port, with certificates made here by the openssl CLI (a throwaway CA, the server's
 * certificate for localhost/127.0.0.1, an executor client certificate, and a second CA nobody trusts).
 * A real API serves TLS (and, on a second API over the same database, mTLS on the executor protocol);
 * real grpc-js clients, the executor's API client and the `aepo` CLI call it.
 */
import { FineTuningServiceClient, executorV1 } from '@aepo/contracts';
import { Metadata, credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApi } from '../apps/api/src/server/api-server.js';
import { apiChannelCredentials } from '../apps/gpu-executor/src/api/api-credentials.js';
import { ExecutorApiClient } from '../apps/gpu-executor/src/api/executor-api.client.js';
import { ApiCallError } from '../apps/gpu-executor/src/api/executor-api.port.js';
import { resolveExecutorConfig } from '../apps/gpu-executor/src/config/executor-config.js';
import { buildCli, cliEnv, removeCliEnvs, runCli } from './cli-support/cli-runner.js';

const ADMIN_TOKEN = 'tls-admin-token-0123456789';
const EXECUTOR_TOKEN = 'tls-executor-token-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-tls-e2e-'));
chmodSync(dir, 0o755);
const file = (name: string) => path.join(dir, name);
let tlsApi: RunningApi;
let mtlsApi: RunningApi;
let apiKey: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA (self-signed) and, for each leaf, a key and a certificate it signed. */
function makeCertificates(): void {
  for (const ca of ['ca', 'rogue-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=aepo test ${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    );
  }
  const leaf = (name: string, ca: string, ext: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  leaf('server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('executor', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('intruder', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
}

/** host:port by the name in the server certificate (Node refuses an IP address as the TLS server name). */
const byName = (api: RunningApi) => api.grpcAddress.replace(/^127\.0\.0\.1:/, 'localhost:');

async function startTlsApi(clientCa: boolean, databaseUrl?: string): Promise<RunningApi> {
  return startApiServer({
    env: {
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { AEPO_API_DATA_DIR: file('pg') }),
      AEPO_API_GRPC_ADDRESS: '127.0.0.1:0',
      AEPO_API_HTTP_ADDRESS: '127.0.0.1:0',
      AEPO_ADMIN_TOKEN: ADMIN_TOKEN,
      AEPO_EXECUTOR_TOKEN: EXECUTOR_TOKEN,
      AEPO_API_LOG_LEVEL: 'silent',
      AEPO_API_TLS_CERT_FILE: file('server.pem'),
      AEPO_API_TLS_KEY_FILE: file('server.key'),
      ...(clientCa ? { AEPO_API_TLS_CLIENT_CA_FILE: file('ca.pem') } : {}),
    },
  });
}

/** ListDatasets with the API key over the given channel credentials: the gRPC status code. */
function listDatasets(address: string, creds: ChannelCredentials): Promise<number> {
  const client = new FineTuningServiceClient(address, creds);
  const md = new Metadata();
  md.set('authorization', `Bearer ${apiKey}`);
  return new Promise<number>((resolve) => {
    client.listDatasets(
      { pageSize: 1, pageToken: '', parent: '' },
      md,
      { deadline: Date.now() + 20_000 },
      (err) => {
        client.close();
        resolve(err ? (err as ServiceError).code : status.OK);
      },
    );
  });
}

/** One LeaseJob (no wait) through the executor's own API client, configured as from its environment. */
async function lease(address: string, tls: { ca?: string; cert?: string; key?: string }): Promise<number> {
  const config = resolveExecutorConfig({
    apiAddress: address,
    executorToken: EXECUTOR_TOKEN,
    ...(tls.ca ? { apiCaFile: file(tls.ca) } : {}),
    ...(tls.cert ? { apiCertFile: file(tls.cert), apiKeyFile: file(tls.key!) } : {}),
  });
  const client = new ExecutorApiClient(address, EXECUTOR_TOKEN, 20_000, apiChannelCredentials(config));
  try {
    await client.leaseJob({
      executorId: 'tls-test',
      models: [],
      waitSeconds: 0,
    } as executorV1.LeaseJobRequest);
    return status.OK;
  } catch (e) {
    if (e instanceof ApiCallError) return e.code;
    throw e;
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  makeCertificates();
  await buildCli();
  tlsApi = await startTlsApi(false);
  mtlsApi = await startTlsApi(true, tlsApi.databaseUrl);
  const res = await runCli(
    ['admin', 'create-project', 'tls', '--json', '--endpoint', `https://${byName(tlsApi)}`],
    cliEnv({ AEPO_ADMIN_TOKEN: ADMIN_TOKEN, AEPO_CA_FILE: file('ca.pem') }),
  );
  expect(res.stderr).toBe('');
  const project = (JSON.parse(res.stdout) as { project: { name: string } }).project.name;
  const key = await runCli(
    [
      'admin',
      'create-key',
      project,
      '--json',
      '--endpoint',
      `https://${byName(tlsApi)}`,
      '--ca-file',
      file('ca.pem'),
    ],
    cliEnv({ AEPO_ADMIN_TOKEN: ADMIN_TOKEN }),
  );
  apiKey = (JSON.parse(key.stdout) as { secret: string }).secret;
});

afterAll(async () => {
  await mtlsApi?.close();
  await tlsApi?.close();
  removeCliEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('API over TLS', () => {
  it('answers a grpc-js client that trusts its CA, and no client that does not', async () => {
    const ca = readFileSync(file('ca.pem'));
    expect(await listDatasets(byName(tlsApi), credentials.createSsl(ca))).toBe(status.OK);
    // The system CAs do not know the throwaway CA; another CA does not sign the server either.
    expect(await listDatasets(byName(tlsApi), credentials.createSsl())).toBe(status.UNAVAILABLE);
    const rogue = readFileSync(file('rogue-ca.pem'));
    expect(await listDatasets(byName(tlsApi), credentials.createSsl(rogue))).toBe(status.UNAVAILABLE);
    expect(await listDatasets(byName(tlsApi), credentials.createInsecure())).toBe(status.UNAVAILABLE);
  });

  it('serves the executor protocol over TLS to an executor that verifies the server', async () => {
    expect(await lease(byName(tlsApi), { ca: 'ca.pem' })).toBe(status.OK);
    expect(await lease(byName(tlsApi), { ca: 'rogue-ca.pem' })).toBe(status.UNAVAILABLE);
    expect(await lease(byName(tlsApi), {})).toBe(status.UNAVAILABLE); // plaintext
  });

  it('the CLI verifies the server with --ca-file / AEPO_CA_FILE and fails without it', async () => {
    const endpoint = `https://${byName(tlsApi)}`;
    const ok = await runCli(
      ['datasets', 'list', '--json', '--endpoint', endpoint, '--ca-file', file('ca.pem')],
      cliEnv({ AEPO_API_KEY: apiKey }),
    );
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    const env = await runCli(
      ['datasets', 'list', '--json', '--endpoint', endpoint],
      cliEnv({ AEPO_API_KEY: apiKey, AEPO_CA_FILE: file('ca.pem') }),
    );
    expect(env.code).toBe(0);
    const untrusted = await runCli(
      ['datasets', 'list', '--endpoint', endpoint],
      cliEnv({ AEPO_API_KEY: apiKey }),
    );
    expect(untrusted.code).toBe(10 + status.UNAVAILABLE);
    const plaintextWithCa = await runCli(
      ['datasets', 'list', '--endpoint', byName(tlsApi), '--ca-file', file('ca.pem')],
      cliEnv({ AEPO_API_KEY: apiKey }),
    );
    expect(plaintextWithCa.code).toBe(2);
    expect(plaintextWithCa.stderr).toMatch(/use https:\/\/host:port/);
  });
});

describe('mTLS on the executor protocol (AEPO_API_TLS_CLIENT_CA_FILE)', () => {
  it('accepts an executor with a client certificate of the client CA, refuses one without or with another', async () => {
    const address = byName(mtlsApi);
    expect(await lease(address, { ca: 'ca.pem', cert: 'executor.pem', key: 'executor.key' })).toBe(status.OK);
    expect(await lease(address, { ca: 'ca.pem' })).toBe(status.UNAUTHENTICATED);
    expect(await lease(address, { ca: 'ca.pem', cert: 'intruder.pem', key: 'intruder.key' })).toBe(
      status.UNAUTHENTICATED,
    );
  });

  it('keeps the public API open to clients without a certificate', async () => {
    const ca = readFileSync(file('ca.pem'));
    expect(await listDatasets(byName(mtlsApi), credentials.createSsl(ca))).toBe(status.OK);
  });
});
