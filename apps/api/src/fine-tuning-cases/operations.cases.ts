import { credentials, loadPackageDefinition, status, type Client, type ServiceError } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { JobState } from '@aepo/contracts';
import { FineTuningServiceClient } from '@aepo/contracts';
import { startApiServer } from '../server/api-server.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { call } from '../testing/test-api.js';
import { t, c, md, create } from './fixture.js';

// Replicas on one database, health, metrics and reflection. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
describe('replicas', () => {
  it('a second API on the same database sees the first one’s writes at once (cache invalidated by NOTIFY)', async () => {
    const job = await create();
    const other = await startApiServer({
      env: {
        DATABASE_URL: t.api.databaseUrl,
        AEPO_API_GRPC_ADDRESS: '127.0.0.1:0',
        AEPO_API_HTTP_ADDRESS: '127.0.0.1:0',
        AEPO_API_LOG_LEVEL: 'silent',
      },
    });
    const c2 = new FineTuningServiceClient(other.grpcAddress, credentials.createInsecure());
    try {
      // Warm replica 2's cache, then change the job through replica 1.
      expect((await call(c2, c2.getJob, { name: job.name }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
      await call(c, c.pauseJob, { name: job.name }, md);
      const until = Date.now() + 1000;
      let state = JobState.JOB_STATE_QUEUED;
      while (state !== JobState.JOB_STATE_PAUSED && Date.now() < until) {
        state = (await call(c2, c2.getJob, { name: job.name }, md)).job!.state;
      }
      expect(state).toBe(JobState.JOB_STATE_PAUSED);
      // Its own write is visible to the next read on the same replica, with no wait at all.
      await call(c2, c2.resumeJob, { name: job.name }, md);
      expect((await call(c2, c2.getJob, { name: job.name }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
    } finally {
      c2.close();
      await other.close();
    }
  });
});

describe('operations', () => {
  it('serves /healthz, /readyz and /metrics with the documented names', async () => {
    await request(t.api.httpUrl).get('/healthz').expect(200);
    await request(t.api.httpUrl).get('/readyz').expect(200);
    const res = await request(t.api.httpUrl).get('/metrics').expect(200);
    expect(res.text).toMatch(
      /aepo_api_grpc_request_duration_seconds_count\{method="aepo.v1.FineTuningService\/CreateJob",code="OK"\} \d+/,
    );
    expect(res.text).toMatch(
      /aepo_api_grpc_request_duration_seconds_count\{method="aepo.v1.FineTuningService\/CreateJob",code="INVALID_ARGUMENT"\}/,
    );
    const jobs = await call(
      c,
      c.listJobs,
      { parent: '', pageSize: 1000, pageToken: '', states: [JobState.JOB_STATE_QUEUED], labels: {} },
      md,
    );
    expect(res.text).toContain(`aepo_api_jobs{state="QUEUED"} ${jobs.jobs.length}`);
    expect(res.text).toContain(`aepo_api_queue_depth ${jobs.jobs.length}`);
    expect(res.text).toContain('aepo_api_lease_expirations_total 0');
    expect(res.text).toContain('aepo_api_active_leases 0');
    expect(res.text).toContain('process_resident_memory_bytes');
    await request(t.api.httpUrl).get('/nope').expect(404);
  });

  it('answers grpc.health.v1 Check and Watch, and server reflection lists the services', async () => {
    const require = createRequire(import.meta.url);
    const healthProto = path.join(
      path.dirname(require.resolve('grpc-health-check/package.json')),
      'proto/health/v1/health.proto',
    );
    const reflectionProto = path.join(
      path.dirname(require.resolve('@grpc/reflection/package.json')),
      'build/proto/grpc/reflection/v1/reflection.proto',
    );
    const pkg = loadPackageDefinition(
      protoLoader.loadSync([healthProto, reflectionProto], { enums: String }),
    ) as unknown as {
      grpc: {
        health: {
          v1: { Health: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client };
        };
        reflection: {
          v1: {
            ServerReflection: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client;
          };
        };
      };
    };
    const health = new pkg.grpc.health.v1.Health(
      t.api.grpcAddress,
      credentials.createInsecure(),
    ) as Client & {
      check: (r: object, cb: (e: ServiceError | null, r: { status: string }) => void) => void;
      watch: (r: object) => NodeJS.EventEmitter & { cancel(): void };
    };
    const checked = await new Promise<{ status: string }>((res, rej) =>
      health.check({ service: 'aepo.v1.FineTuningService' }, (e, r) => (e ? rej(e) : res(r))),
    );
    expect(checked.status).toBe('SERVING');
    const watched = await new Promise<{ status: string }>((res) => {
      const w = health.watch({ service: '' });
      w.on('data', (d: { status: string }) => {
        w.cancel();
        res(d);
      });
      w.on('error', () => undefined);
    });
    expect(watched.status).toBe('SERVING');
    health.close();
    const refl = new pkg.grpc.reflection.v1.ServerReflection(
      t.api.grpcAddress,
      credentials.createInsecure(),
    ) as Client & {
      serverReflectionInfo: () => NodeJS.EventEmitter & { write(m: object): void; end(): void };
    };
    const listed = await new Promise<string[]>((res, rej) => {
      const s = refl.serverReflectionInfo();
      s.on('data', (d: { listServicesResponse?: { service: { name: string }[] } }) => {
        res((d.listServicesResponse?.service ?? []).map((x) => x.name));
        s.end();
      });
      s.on('error', rej);
      s.write({ listServices: '' });
    });
    refl.close();
    expect(listed).toEqual(
      expect.arrayContaining([
        'aepo.v1.FineTuningService',
        'aepo.v1.AdminService',
        'aepo.executor.v1.ExecutorService',
      ]),
    );
  });
});
