/**
 * Per-project quotas and the streamed upload, against a real API (embedded Postgres, grpc-js over TCP):
 * each quota answers RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure naming it, frees up again, and
 * binds one project only; a bad row late in a streamed upload leaves no row behind (memory: see
 * test/upload-memory.e2e-spec.ts).
 */
import { Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  JobSpec,
  UploadDatasetRequest,
  parseQuotaFailure,
  type FineTuningServiceClient,
  type QuotaViolation,
  type StreamJobEventsResponse,
  type UploadDatasetResponse,
} from '@aepo/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { failure, tinyRows, upload } from '../testing/grpc-helpers.js';
import { call, startTestApi, type TestApi } from '../testing/test-api.js';

const QUOTAS = { activeJobs: 2, concurrentUploads: 1, datasetBytes: 200_000, openStreams: 2 };
let t: TestApi;
let c: FineTuningServiceClient;

beforeAll(async () => {
  t = await startTestApi({ quotas: QUOTAS });
  c = t.fineTuning();
});

afterAll(async () => {
  await t?.close();
});

/** The QuotaFailure of a call that must fail with RESOURCE_EXHAUSTED. */
async function quotaFailure(p: Promise<unknown>): Promise<QuotaViolation> {
  const err = await p.then(
    () => {
      throw new Error('expected RESOURCE_EXHAUSTED, the call succeeded');
    },
    (e: ServiceError) => e,
  );
  expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
  const violations = parseQuotaFailure(err);
  expect(violations).toHaveLength(1);
  return violations[0]!;
}

/** `n` rows of exactly `bytes` bytes each (prompt + answer). */
const rowsOfBytes = (n: number, bytes: number) =>
  Array.from({ length: n }, (_, i) => ({ prompt: String(i).padStart(bytes - 1, 'x'), answer: '1', id: '' }));

const meta = (displayName: string) => ({ metadata: { displayName, labels: {}, requestId: '', parent: '' } });

/** Opens an upload on `client` and sends its first message; the stream stays open. */
function openUpload(client: FineTuningServiceClient, md: Metadata, first: Partial<UploadDatasetRequest>) {
  let answer!: Promise<UploadDatasetResponse>;
  const stream = new Promise<ReturnType<FineTuningServiceClient['uploadDataset']>>((resolve) => {
    answer = new Promise((res, rej) => {
      const s = client.uploadDataset(md, (err, r) => (err ? rej(err) : res(r)));
      s.write(UploadDatasetRequest.fromPartial(first));
      resolve(s);
    });
  });
  return { stream, answer };
}

/**
 * Waits until an upload holds one of the upload slots: the transaction-scoped advisory locks of two
 * int4 keys (objsubid 2; the other advisory locks here are single bigint keys). The tests of this file
 * run one at a time, so the slot is the open upload's. Until it is taken, another upload may take the
 * slot first and the open one would be the one refused.
 */
async function uploadSlotHeld(): Promise<void> {
  const db = new pg.Client({ connectionString: t.api.databaseUrl });
  await db.connect();
  try {
    const held = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted",
          )
        ).rows[0]!.n,
      ) > 0;
    await vi.waitFor(async () => expect(await held()).toBe(true), { timeout: 30_000, interval: 20 });
  } finally {
    await db.end();
  }
}

async function newDataset(md: Metadata): Promise<string> {
  return (await upload(c, md, [{ ...meta('tiny'), rows: tinyRows(4) }])).dataset!.name;
}

const createJob = (md: Metadata, dataset: string, client: FineTuningServiceClient = c) =>
  call(
    client,
    client.createJob,
    CreateJobRequest.fromPartial({
      spec: JobSpec.fromPartial({
        baseModel: 'builtin:tiny-arith',
        trainingDataset: dataset,
        entropyTarget: { constant: 0.3 },
      }),
    }),
    md,
  ).then((r) => r.job!);

describe('quota: concurrent jobs', () => {
  it('refuses a job beyond the active jobs, counts parallel creates exactly, frees on cancel', async () => {
    const { projectId, md } = await t.newProject('jobs');
    const dataset = await newDataset(md);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => createJob(md, dataset)));
    const created = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(created).toHaveLength(QUOTAS.activeJobs);

    const v = await quotaFailure(createJob(md, dataset));
    expect(v).toMatchObject({ subject: `projects/${projectId}`, quotaId: 'concurrent_jobs', quotaValue: 2 });

    // Another project is not limited by this one's jobs.
    const other = await t.newProject('jobs-other');
    await createJob(other.md, await newDataset(other.md));

    await call(c, c.cancelJob, { name: created[0]!.name }, md);
    expect((await createJob(md, dataset)).name).toBeTruthy();
  });
});

describe('quota: stored dataset bytes', () => {
  it('refuses an upload that would exceed the project bytes, and stores nothing of it', async () => {
    const { projectId, md } = await t.newProject('bytes');
    const first = await upload(c, md, [{ ...meta('a'), rows: rowsOfBytes(120, 1000) }]);
    expect(first.dataset!.sizeBytes).toBe(120_000);
    const v = await quotaFailure(upload(c, md, [{ ...meta('b'), rows: rowsOfBytes(120, 1000) }]));
    expect(v).toMatchObject({
      subject: `projects/${projectId}`,
      quotaId: 'stored_dataset_bytes',
      quotaValue: QUOTAS.datasetBytes,
    });
    const list = await call(c, c.listDatasets, { parent: '', pageSize: 100, pageToken: '' }, md);
    expect(list.datasets.map((d) => d.displayName)).toEqual(['a']);
    await call(c, c.deleteDataset, { name: first.dataset!.name }, md);
    await upload(c, md, [{ ...meta('b'), rows: rowsOfBytes(120, 1000) }]);
  });
});

describe('quota: concurrent uploads', () => {
  it('refuses an upload while the project has its maximum in progress, frees when it ends', async () => {
    const { projectId, md } = await t.newProject('uploads');
    const { stream, answer } = openUpload(c, md, { ...meta('slow'), rows: tinyRows(3) });
    const open = await stream;
    await uploadSlotHeld();
    const v = await quotaFailure(upload(c, md, [{ ...meta('other'), rows: tinyRows(1) }]));
    expect(v).toMatchObject({
      subject: `projects/${projectId}`,
      quotaId: 'concurrent_uploads',
      quotaValue: 1,
    });
    open.write(UploadDatasetRequest.fromPartial({ rows: tinyRows(2) }));
    open.end();
    expect((await answer).dataset!.rowCount).toBe(5);
    await upload(c, md, [{ ...meta('after'), rows: tinyRows(1) }]);
  });
});

describe('quota: open streams', () => {
  it('refuses a stream beyond the open streams, frees one when its client cancels', async () => {
    const { projectId, md } = await t.newProject('streams');
    const job = await createJob(md, await newDataset(md));
    // A QUEUED job's event stream stays open after its CREATED event.
    const follow = () => c.streamJobEvents({ parent: job.name, afterSequence: 0 }, md);
    const firstEvent = (s: ClientReadableStream<StreamJobEventsResponse>) =>
      new Promise<void>((resolve, reject) => {
        s.once('data', () => resolve());
        s.once('error', reject);
      });
    const open = [follow(), follow()];
    await Promise.all(open.map(firstEvent));
    const third = follow();
    const v = await quotaFailure(firstEvent(third));
    expect(v).toMatchObject({ subject: `projects/${projectId}`, quotaId: 'open_streams', quotaValue: 2 });

    open[0]!.on('error', () => undefined);
    open[0]!.cancel();
    // The server learns of the cancel asynchronously: retry until a new stream is admitted.
    let admitted = false;
    for (let i = 0; i < 100 && !admitted; i++) {
      const s = follow();
      admitted = await firstEvent(s).then(
        () => true,
        () => false,
      );
      s.on('error', () => undefined);
      s.cancel();
      if (!admitted) await new Promise((r) => setTimeout(r, 50));
    }
    expect(admitted).toBe(true);
    open[1]!.on('error', () => undefined);
    open[1]!.cancel();
  });
});

describe('quotas across API replicas: a second API on the same database', () => {
  let t2: TestApi;
  let c2: FineTuningServiceClient;

  beforeAll(async () => {
    t2 = await startTestApi({ quotas: QUOTAS, databaseUrl: t.api.databaseUrl });
    c2 = t2.fineTuning();
  });

  afterAll(async () => {
    await t2?.close();
  });

  it('parallel creates spread over both replicas admit exactly the active-jobs quota', async () => {
    const { md } = await t.newProject('replica-jobs');
    const dataset = await newDataset(md);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => createJob(md, dataset, i % 2 === 0 ? c : c2)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(QUOTAS.activeJobs);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as ServiceError).code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('an upload in progress on one replica takes the project slot on the other', async () => {
    const { projectId, md } = await t.newProject('replica-uploads');
    const { stream, answer } = openUpload(c, md, { ...meta('slow'), rows: tinyRows(3) });
    const open = await stream;
    await uploadSlotHeld();
    const v = await quotaFailure(upload(c2, md, [{ ...meta('other'), rows: tinyRows(1) }]));
    expect(v).toMatchObject({ subject: `projects/${projectId}`, quotaId: 'concurrent_uploads' });
    open.end();
    expect((await answer).dataset!.rowCount).toBe(3);
    await upload(c2, md, [{ ...meta('after'), rows: tinyRows(1) }]);
  });

  it('two uploads in progress at once cannot both fit into the same free bytes', async () => {
    const t3 = await startTestApi({
      quotas: { ...QUOTAS, concurrentUploads: 2 },
      databaseUrl: t.api.databaseUrl,
    });
    try {
      const c3 = t3.fineTuning();
      const { projectId, md } = await t.newProject('replica-bytes');
      // Both start with nothing stored; each alone fits (120 kB of 200 kB), not both.
      const { stream, answer } = openUpload(c3, md, { ...meta('first'), rows: rowsOfBytes(120, 1000) });
      const open = await stream;
      const second = await upload(c3, md, [{ ...meta('second'), rows: rowsOfBytes(120, 1000) }]);
      expect(second.dataset!.sizeBytes).toBe(120_000);
      open.end();
      const v = await quotaFailure(answer);
      expect(v).toMatchObject({ subject: `projects/${projectId}`, quotaId: 'stored_dataset_bytes' });
      const list = await call(c3, c3.listDatasets, { parent: '', pageSize: 100, pageToken: '' }, md);
      expect(list.datasets.map((d) => d.displayName)).toEqual(['second']);
    } finally {
      await t3.close();
    }
  });
});

describe('streamed upload', () => {
  it('a bad row after several written batches fails the upload precisely and leaves no row', async () => {
    const { md } = await t.newProject('bad-row');
    const db = new pg.Client({ connectionString: t.api.databaseUrl });
    await db.connect();
    try {
      const count = async () =>
        Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM dataset_rows')).rows[0]!.n);
      const before = await count();
      const rows = tinyRows(7000);
      rows[6500] = { prompt: '1+1=', answer: '', id: '' };
      const messages = [
        meta('bad'),
        ...[0, 1, 2, 3, 4, 5, 6].map((k) => ({ rows: rows.slice(k * 1000, k * 1000 + 1000) })),
      ];
      const bad = await failure(upload(c, md, messages));
      expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rows[6501].answer'] });
      expect(await count()).toBe(before);
      const datasets = await db.query('SELECT id FROM datasets WHERE display_name = $1', ['bad']);
      expect(datasets.rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });
});
