import { credentials, status } from '@grpc/grpc-js';
import { CreateJobRequest, FineTuningServiceClient } from '@aepo/contracts';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../apps/api/src/database/embedded-postgres.js';
import { collect, tinyRows, upload } from '../apps/api/src/testing/grpc-helpers.js';
import { bearer, call } from '../apps/api/src/testing/test-api.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(root, 'apps/api/dist/main.js');
let dir: string;

function run(env: Record<string, string>): {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
} {
  let out = '';
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: 'pipe',
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function waitFor(check: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  execFileSync('npx', ['tsc', '-b', 'apps/api/tsconfig.json'], { cwd: root, stdio: 'inherit' });
  dir = mkdtempSync(path.join(tmpdir(), 'aepo-api-e2e-'));
  chmodSync(dir, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('aepo-api process', () => {
  it('refuses to start on bad configuration, naming the variable', async () => {
    const p = run({ AEPO_API_LEASE_TTL_SECONDS: 'forever', AEPO_API_DATA_DIR: path.join(dir, 'unused') });
    expect(await p.exited).toBe(2);
    expect(p.out()).toMatch(/AEPO_API_LEASE_TTL_SECONDS: .*forever/);
  });

  it('starts on embedded Postgres, bootstraps a key once, logs JSON, and drains on SIGTERM', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const file = path.join(dir, 'bootstrap.json');
    const env = {
      AEPO_API_DATA_DIR: path.join(dir, 'pg'),
      AEPO_API_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      AEPO_API_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      AEPO_API_BOOTSTRAP_PROJECT: 'e2e',
      AEPO_API_BOOTSTRAP_FILE: file,
    };
    const p = run(env);
    await waitFor(() => p.out().includes('aepo api listening'));
    const lines = p
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('level');
    const creds = JSON.parse(readFileSync(file, 'utf8')) as {
      apiKey: string;
      projectId: string;
      grpcAddress: string;
    };
    expect(creds.grpcAddress).toBe(`127.0.0.1:${grpcPort}`);
    await request(`http://127.0.0.1:${httpPort}`).get('/readyz').expect(200);

    const client = new FineTuningServiceClient(creds.grpcAddress, credentials.createInsecure());
    const md = bearer(creds.apiKey);
    const ds = await upload(client, md, [
      { metadata: { displayName: 'd', labels: {}, requestId: '' }, rows: tinyRows(3) },
    ]);
    const { job } = await call(
      client,
      client.createJob,
      CreateJobRequest.fromPartial({
        spec: {
          baseModel: 'builtin:tiny-arith',
          trainingDatasetId: ds.dataset!.id,
          entropyTarget: { constant: 0.3 },
        },
      }),
      md,
    );
    const stream = collect(client.streamJobEvents({ jobId: job!.id, afterSequence: 0 }, md)).catch(
      (e: { code: number }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await stream).toBe(status.UNAVAILABLE);
    client.close();

    // A restart on the same data keeps the job and reuses the bootstrap credentials.
    const again = run(env);
    await waitFor(() => again.out().includes('aepo api listening'));
    expect(JSON.parse(readFileSync(file, 'utf8')).apiKey).toBe(creds.apiKey);
    const client2 = new FineTuningServiceClient(creds.grpcAddress, credentials.createInsecure());
    const got = await call(client2, client2.getJob, { id: job!.id }, md);
    expect(got.job!.id).toBe(job!.id);
    client2.close();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
