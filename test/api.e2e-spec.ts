import { credentials, status } from '@grpc/grpc-js';
import { CreateJobRequest, FineTuningServiceClient, ListJobsRequest } from '@aepo/contracts';
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

interface ApiRun {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  /** Resolves once the output contains `text`; rejects, with the output, if the process exits first. */
  printed: (text: string) => Promise<void>;
}

function run(env: Record<string, string>): ApiRun {
  let out = '';
  const waiting = new Set<() => void>();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: 'pipe',
  });
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const check of waiting) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Start-up waits for an event (the line, or the exit), not a clock: a loaded machine is only slower.
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!out.includes(text)) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
      void exited.then((code) => {
        if (waiting.delete(check))
          reject(new Error(`aepo-api exited (${code}) before printing "${text}":\n${out}`));
      });
    });
  return { child, out: () => out, exited, printed };
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
    await p.printed('aepo api listening');
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
      { metadata: { displayName: 'd', labels: {}, requestId: '', parent: '' }, rows: tinyRows(3) },
    ]);
    const { job } = await call(
      client,
      client.createJob,
      CreateJobRequest.fromPartial({
        spec: {
          baseModel: 'builtin:tiny-arith',
          trainingDataset: ds.dataset!.name,
          entropyTarget: { constant: 0.3 },
        },
      }),
      md,
    );
    const events = client.streamJobEvents({ parent: job!.name, afterSequence: 0 }, md);
    const followed = new Promise((resolve) => events.once('data', resolve));
    const stream = collect(events).catch((e: { code: number }) => e.code);
    await followed; // the stream is open (it replayed the job's first event)
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await stream).toBe(status.UNAVAILABLE);
    client.close();

    // A restart on the same data keeps the job and reuses the bootstrap credentials.
    const again = run(env);
    await again.printed('aepo api listening');
    expect(JSON.parse(readFileSync(file, 'utf8')).apiKey).toBe(creds.apiKey);
    const client2 = new FineTuningServiceClient(creds.grpcAddress, credentials.createInsecure());
    const got = await call(client2, client2.getJob, { name: job!.name }, md);
    expect(got.job!.name).toBe(job!.name);
    client2.close();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('SIGKILL of the API: the restart stops the Postgres it left running on its data folder, then serves', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const dataDir = path.join(dir, 'pg-killed');
    const file = path.join(dir, 'bootstrap-killed.json');
    const env = {
      AEPO_API_DATA_DIR: dataDir,
      AEPO_API_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      AEPO_API_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      AEPO_API_BOOTSTRAP_PROJECT: 'killed',
      AEPO_API_BOOTSTRAP_FILE: file,
    };
    const first = run(env);
    await first.printed('aepo api listening');
    const postgresPid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(postgresPid)).toBe(true); // the fault: Postgres outlives the API and holds the folder

    const again = run(env);
    await again.printed('aepo api listening');
    expect(again.out()).toContain('stopped a Postgres of this data folder left running');
    expect(again.out()).not.toContain('undefined');
    expect(alive(postgresPid)).toBe(false);
    await request(`http://127.0.0.1:${httpPort}`).get('/readyz').expect(200);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { apiKey: string };
    const client = new FineTuningServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const listed = await call(
      client,
      client.listJobs,
      ListJobsRequest.fromPartial({ pageSize: 10 }),
      bearer(creds.apiKey),
    );
    expect(listed.jobs).toEqual([]);
    client.close();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
