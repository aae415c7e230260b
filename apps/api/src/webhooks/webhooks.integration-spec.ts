import { credentials, status, type Metadata } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  EvaluationRecord,
  StepRecord,
  WebhookDeliveryState,
  WebhookServiceClient,
  executorV1,
  type FineTuningServiceClient,
  type WebhookDelivery,
} from '@aepo/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDeliveryConfig } from '../config/api-config.js';
import { createDataSource } from '../database/data-source.js';
import { failure, tinyRows, upload } from '../testing/grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, startTestApi, type TestApi } from '../testing/test-api.js';
import { WebhookReceiver } from '../testing/webhook-receiver.js';
import { webhookIdOf } from './webhook-signature.js';
import { WebhookRepository } from './webhook.repository.js';
import { RETENTION_BATCH_ROWS } from './webhook.retention.js';
import { buildCli, cliEnv, removeCliEnvs, runCli } from '../../../../test/cli-support/cli-runner.js';

const { Outcome } = executorV1;
const { WEBHOOK_DELIVERY_STATE_DELIVERED: DELIVERED, WEBHOOK_DELIVERY_STATE_FAILED: FAILED } =
  WebhookDeliveryState;
const ALL_TYPES = [
  'job.state_changed',
  'job.checkpoint_saved',
  'job.target_unreachable',
  'job.evaluation_recorded',
];

/** Fast retries so the tests wait fractions of a second, not the production minutes. */
const FAST: WebhookDeliveryConfig = {
  concurrency: 4,
  timeoutMs: 5000,
  maxAttempts: 3,
  maxAgeSeconds: 3600,
  retryBaseMs: 100,
  retryMaxMs: 400,
  pollMs: 1000,
  // The receiver listens on 127.0.0.1.
  allowPrivate: true,
  // Kept forever here; the retention test starts replicas that sweep.
  retentionDays: 0,
};

// `db` owns the database and serves the calls but sends no webhooks (concurrency 0); `sender` is the
// replica that delivers, so a test can stop and replace it while `db` keeps the data.
let db: TestApi;
let sender: TestApi;
let c: FineTuningServiceClient;
let w: WebhookServiceClient;
let ex: executorV1.ExecutorServiceClient;
let md: Metadata;
let sql: pg.Client;
let datasetId: string;
const emd = bearer(EXECUTOR_TOKEN);
const receiver = new WebhookReceiver();

beforeAll(async () => {
  db = await startTestApi({ webhooks: { ...FAST, concurrency: 0 } });
  sender = await startTestApi({ databaseUrl: db.api.databaseUrl, webhooks: FAST });
  await receiver.start();
  c = db.fineTuning();
  ex = db.executor;
  w = new WebhookServiceClient(db.api.grpcAddress, credentials.createInsecure());
  ({ md } = await db.newProject('hooks'));
  sql = new pg.Client({ connectionString: db.api.databaseUrl });
  await sql.connect();
  datasetId = (
    await upload(c, md, [
      { metadata: { displayName: 'train', labels: {}, requestId: '' }, rows: tinyRows(50) },
    ])
  ).dataset!.id;
});

afterAll(async () => {
  w?.close();
  await sql?.end();
  await sender?.close();
  await db?.close();
  await receiver.close();
  removeCliEnvs();
});

async function newEndpoint(path: string, eventTypes = ALL_TYPES, key = md) {
  const res = await call(
    w,
    w.createWebhookEndpoint,
    { url: receiver.url(path), eventTypes, description: path, disabled: false },
    key,
  );
  receiver.secret(path, res.secret);
  return res.endpoint!;
}

const createJob = async () =>
  (
    await call(
      c,
      c.createJob,
      CreateJobRequest.fromPartial({
        spec: {
          baseModel: 'builtin:tiny-arith',
          trainingDatasetId: datasetId,
          entropyTarget: { constant: 0.3 },
        },
      }),
      md,
    )
  ).job!;

async function deliveries(endpointId: string): Promise<WebhookDelivery[]> {
  return (
    await call(w, w.listWebhookDeliveries, { endpointId, states: [], pageSize: 1000, pageToken: '' }, md)
  ).deliveries;
}

/** Polls the delivery log until `done` holds (deliveries move on the sender's schedule). */
async function logUntil(endpointId: string, done: (d: WebhookDelivery[]) => boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const list = await deliveries(endpointId);
    if (done(list)) return list;
    if (Date.now() > until)
      throw new Error(`delivery log: ${JSON.stringify(list.map((d) => [d.eventType, d.state]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('WebhookService', () => {
  it('rejects bad input with field violations naming the field', async () => {
    const create = (url: string, eventTypes: string[]) =>
      failure(call(w, w.createWebhookEndpoint, { url, eventTypes, description: '', disabled: false }, md));
    expect(await create('ftp://example.com/hook', ['job.state_changed', 'job.exploded'])).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['url', 'event_types[1]'],
    });
    expect((await create('https://example.com/hook', [])).fields).toEqual(['event_types']);
    expect((await create('not a url', ['job.state_changed'])).fields).toEqual(['url']);
    const ep = await newEndpoint('/bad-input');
    const update = (paths: string[], over: object) =>
      failure(call(w, w.updateWebhookEndpoint, { endpoint: { ...ep, ...over }, updateMask: paths }, md));
    expect((await update(['colour'], {})).fields).toEqual(['update_mask']);
    expect((await update([], {})).fields).toEqual(['update_mask']);
    expect((await update(['event_types', 'url'], { eventTypes: [], url: 'gopher://x' })).fields).toEqual([
      'endpoint.event_types',
      'endpoint.url',
    ]);
    expect(
      (await failure(call(w, w.listWebhookEndpoints, { pageSize: 0, pageToken: '' }, bearer('aepo_nope'))))
        .code,
    ).toBe(status.UNAUTHENTICATED);
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });

  it('keeps endpoints per project, shows the secret once, updates by field mask, deletes', async () => {
    const created = await call(
      w,
      w.createWebhookEndpoint,
      {
        url: 'https://example.com/a',
        eventTypes: ['job.checkpoint_saved'],
        description: 'a',
        disabled: true,
      },
      md,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const ep = created.endpoint!;
    expect(ep).toMatchObject({
      url: 'https://example.com/a',
      eventTypes: ['job.checkpoint_saved'],
      enabled: false,
    });
    const got = await call(w, w.getWebhookEndpoint, { id: ep.id }, md);
    expect(JSON.stringify(got)).not.toContain(created.secret.slice(6));
    const { md: other } = await db.newProject('other');
    expect((await failure(call(w, w.getWebhookEndpoint, { id: ep.id }, other))).code).toBe(status.NOT_FOUND);
    expect((await call(w, w.listWebhookEndpoints, { pageSize: 0, pageToken: '' }, other)).endpoints).toEqual(
      [],
    );

    const updated = await call(
      w,
      w.updateWebhookEndpoint,
      { endpoint: { ...ep, enabled: true, url: 'https://ignored.example.com/' }, updateMask: ['enabled'] },
      md,
    );
    expect(updated.endpoint).toMatchObject({ enabled: true, url: 'https://example.com/a', description: 'a' });
    const listed = await call(w, w.listWebhookEndpoints, { pageSize: 0, pageToken: '' }, md);
    expect(listed.endpoints.map((e) => e.id)).toContain(ep.id);

    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
    expect((await failure(call(w, w.getWebhookEndpoint, { id: ep.id }, md))).code).toBe(status.NOT_FOUND);
    expect((await failure(call(w, w.deleteWebhookEndpoint, { id: ep.id }, md))).code).toBe(status.NOT_FOUND);
  });
});

describe('outbox', () => {
  it('is written in the transaction of the event: nothing before the commit or after a rollback', async () => {
    const ep = await newEndpoint('/outbox', ['job.state_changed', 'job.evaluation_recorded']);
    const off = await newEndpoint('/outbox-off', ['job.state_changed']);
    await call(
      w,
      w.updateWebhookEndpoint,
      { endpoint: { ...off, enabled: false }, updateMask: ['enabled'] },
      md,
    );
    const { md: otherMd } = await db.newProject('outbox-other');
    await newEndpoint('/outbox-other', ALL_TYPES, otherMd);
    const job = await createJob();
    await call(c, c.cancelJob, { id: job.id }, md);
    await logUntil(ep.id, (d) => d.length === 2 && d.every((x) => x.state === DELIVERED));

    const other = new pg.Client({ connectionString: db.api.databaseUrl });
    await other.connect();
    const count = async (client: pg.Client, seq: number) =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM webhook_deliveries WHERE job_id = $1 AND payload::jsonb #>> '{data,sequence}' = $2`,
            [job.id, String(seq)],
          )
        ).rows[0]!.n,
      );
    const insertEvent = (seq: number, type = 'STATE_CHANGED') =>
      sql.query(
        `INSERT INTO job_events (job_id, sequence, type, from_state, to_state) VALUES ($1, $2, $3, 'CANCELLED', 'CANCELLED')`,
        [job.id, seq, type],
      );
    try {
      await sql.query('BEGIN');
      await insertEvent(100);
      expect(await count(sql, 100)).toBe(1);
      expect(await count(other, 100)).toBe(0);
      await sql.query('ROLLBACK');
      expect(await count(other, 100)).toBe(0);

      await sql.query('BEGIN');
      await insertEvent(101);
      await insertEvent(102, 'LEASED');
      await sql.query(
        `INSERT INTO evaluation_records (job_id, step, attempt, record) VALUES ($1, 7, 1, '{"step":"7"}')`,
        [job.id],
      );
      expect(await count(other, 101)).toBe(0);
      await sql.query('COMMIT');
    } finally {
      await sql.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    // One per subscribed, enabled endpoint of the job's project: not the disabled one, not the other project's.
    const rows = (
      await sql.query<{ endpoint_id: string; event_type: string }>(
        `SELECT endpoint_id, event_type FROM webhook_deliveries WHERE job_id = $1 ORDER BY create_time, event_type`,
        [job.id],
      )
    ).rows;
    expect(rows.filter((r) => r.endpoint_id !== ep.id)).toEqual([]);
    expect(rows.map((r) => r.event_type)).toEqual([
      'job.state_changed',
      'job.state_changed',
      'job.evaluation_recorded',
      'job.state_changed',
    ]);
    const log = await logUntil(ep.id, (d) => d.length === 4 && d.every((x) => x.state === DELIVERED));
    expect(
      receiver
        .on('/outbox')
        .map((r) => r.id)
        .sort(),
    ).toEqual(log.map((d) => d.webhookId).sort());
    expect(receiver.on('/outbox-off')).toEqual([]);
    expect(receiver.on('/outbox-other')).toEqual([]);
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });
});

describe('delivery', () => {
  it("signs a delivery for every state change of a job's lifecycle, and for checkpoints, evaluations, an unreachable target", async () => {
    const ep = await newEndpoint('/life');
    const job = await createJob();
    const { lease } = await call(ex, ex.leaseJob, { executorId: 'hooks', waitSeconds: 0, models: [] }, emd);
    expect(lease!.job!.id).toBe(job.id);
    const attempt = lease!.attempt;
    const step = (n: number, targetUnreachable = false) =>
      StepRecord.fromPartial({
        step: n,
        entropy: 0.3,
        entropyTarget: 0.3,
        rewardMean: 0.5,
        targetUnreachable,
      });
    await call(
      ex,
      ex.heartbeat,
      {
        rewindReason: '',
        jobId: job.id,
        attempt,
        steps: [step(1), step(2, true)],
        evaluations: [EvaluationRecord.fromPartial({ step: 2, accuracy: 0.75, passAtK: 0.9, k: 4 })],
      },
      emd,
    );
    await call(
      ex,
      ex.reportCheckpoint,
      {
        jobId: job.id,
        attempt,
        step: 2,
        uri: 's3://ckpt/2',
        entropy: 0.3,
        inBand: true,
        rewardMean: 0.5,
        sizeBytes: 5,
      },
      emd,
    );
    await call(
      ex,
      ex.completeJob,
      { jobId: job.id, attempt, outcome: Outcome.OUTCOME_SUCCEEDED, steps: [], evaluations: [] },
      emd,
    );

    const events = (await call(c, c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }, md)).events;
    const changes = events.filter((e) =>
      ['JOB_EVENT_TYPE_CREATED', 'JOB_EVENT_TYPE_STATE_CHANGED'].includes(e.type),
    );
    expect(changes.map((e) => e.toState)).toEqual([
      'JOB_STATE_QUEUED',
      'JOB_STATE_RUNNING',
      'JOB_STATE_SUCCEEDED',
    ]);
    const bodies = () =>
      receiver.on('/life').map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    await receiver.until(() => bodies().length >= changes.length + 3);
    const got = receiver.on('/life');
    expect(got.every((r) => r.validSignature)).toBe(true);
    // Deliveries run in parallel: they may arrive in any order (the sequence orders them).
    const stateChanges = bodies()
      .filter((b) => b.type === 'job.state_changed')
      .sort((a, b) => Number(a.data['sequence']) - Number(b.data['sequence']));
    expect(stateChanges.map((b) => [b.data['sequence'], b.data['fromState'], b.data['toState']])).toEqual(
      changes.map((e) => [
        e.sequence,
        e.fromState === 'JOB_STATE_UNSPECIFIED' ? undefined : e.fromState,
        e.toState,
      ]),
    );
    expect(stateChanges.every((b) => b.data['jobId'] === job.id)).toBe(true);
    const byType = (t: string) => bodies().filter((b) => b.type === t);
    expect(byType('job.checkpoint_saved')[0]!.data['checkpoint']).toMatchObject({
      step: 2,
      uri: 's3://ckpt/2',
      inBand: true,
    });
    expect(byType('job.target_unreachable')).toHaveLength(1);
    expect(byType('job.evaluation_recorded')[0]!.data).toMatchObject({
      jobId: job.id,
      step: 2,
      record: { accuracy: 0.75 },
    });

    const log = await logUntil(
      ep.id,
      (d) => d.length === got.length && d.every((x) => x.state === DELIVERED),
    );
    expect(log.map((d) => d.webhookId).sort()).toEqual(got.map((r) => r.id).sort());
    expect(log.every((d) => d.attemptCount === 1 && d.lastStatusCode === 200 && d.deliveredTime)).toBe(true);
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });

  it('retries an endpoint answering 500 then 200 with the same webhook-id and body', async () => {
    const ep = await newEndpoint('/flaky', ['job.state_changed']);
    receiver.answer('/flaky', (seen) => (seen === 1 ? 500 : 200));
    const job = await createJob();
    await call(c, c.cancelJob, { id: job.id }, md);
    const log = await logUntil(ep.id, (d) => d.length === 2 && d.every((x) => x.state === DELIVERED));
    for (const d of log) {
      const tries = receiver.on('/flaky').filter((r) => r.id === d.webhookId);
      expect(tries.map((r) => r.answered)).toEqual([500, 200]);
      expect(tries[0]!.body).toBe(tries[1]!.body);
      expect(tries.every((r) => r.validSignature)).toBe(true);
      expect(d).toMatchObject({ attemptCount: 2, lastStatusCode: 200, lastError: '' });
    }
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });

  it('gives up after the attempt budget (FAILED in the log), and RedeliverWebhook sends it again', async () => {
    const ep = await newEndpoint('/down', ['job.state_changed']);
    let up = false;
    receiver.answer('/down', () => (up ? 204 : 503));
    await createJob();
    const [failed] = await logUntil(ep.id, (d) => d.length === 1 && d[0]!.state === FAILED);
    expect(failed).toMatchObject({ attemptCount: FAST.maxAttempts, lastStatusCode: 503 });
    expect(failed!.lastError).toMatch(/^HTTP 503/);
    expect(receiver.on('/down')).toHaveLength(FAST.maxAttempts);
    const metrics = await (await fetch(`${sender.api.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aepo_api_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/aepo_api_webhook_deliveries_total\{outcome="retry"\} [1-9]/);

    up = true;
    const again = await call(w, w.redeliverWebhook, { deliveryId: failed!.id }, md);
    expect(again.delivery).toMatchObject({
      state: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING,
      attemptCount: 0,
    });
    const [done] = await logUntil(ep.id, (d) => d[0]!.state === DELIVERED);
    expect(done).toMatchObject({ attemptCount: 1, lastStatusCode: 204, webhookId: failed!.webhookId });
    const tries = receiver.on('/down');
    expect(tries).toHaveLength(FAST.maxAttempts + 1);
    expect(new Set(tries.map((r) => r.id))).toEqual(new Set([failed!.webhookId]));
    expect(tries.every((r) => r.validSignature)).toBe(true);
    expect(
      (await failure(call(w, w.redeliverWebhook, { deliveryId: failed!.id }, (await db.newProject('x')).md)))
        .code,
    ).toBe(status.NOT_FOUND);
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });

  it('loses nothing when the sending API stops mid-delivery; a duplicate carries the same webhook-id', async () => {
    // A sender with two slots: two attempts in flight (held by the receiver), the rest queued behind.
    await sender.close();
    sender = await startTestApi({
      databaseUrl: db.api.databaseUrl,
      webhooks: { ...FAST, concurrency: 2, timeoutMs: 60_000 },
    });
    const ep = await newEndpoint('/restart', ['job.state_changed']);
    let holding = true;
    receiver.answer('/restart', () => (holding ? 'hold' : 200));
    for (let i = 0; i < 2; i++) await call(c, c.cancelJob, { id: (await createJob()).id }, md);
    await receiver.until(() => receiver.on('/restart').length === 2);
    await sender.close();
    const queued = await deliveries(ep.id);
    expect(queued).toHaveLength(4);
    expect(queued.every((d) => d.state === WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING)).toBe(true);

    holding = false;
    sender = await startTestApi({ databaseUrl: db.api.databaseUrl, webhooks: FAST });
    const log = await logUntil(ep.id, (d) => d.length === 4 && d.every((x) => x.state === DELIVERED));
    const got = receiver.on('/restart');
    expect(new Set(got.map((r) => r.id))).toEqual(new Set(log.map((d) => d.webhookId)));
    expect(got.every((r) => r.validSignature)).toBe(true);
    const held = got.filter((r) => r.answered === 0);
    expect(held).toHaveLength(2);
    for (const h of held) {
      const copies = got.filter((r) => r.id === h.id);
      expect(copies.map((r) => r.answered)).toEqual([0, 200]);
      expect(copies[1]!.body).toBe(h.body);
    }
    expect(got).toHaveLength(6);
  });
  it('two sending replicas share the outbox: each delivery is sent once', async () => {
    const second = await startTestApi({ databaseUrl: db.api.databaseUrl, webhooks: FAST });
    try {
      const ep = await newEndpoint('/replicas', ['job.state_changed']);
      for (let i = 0; i < 5; i++) await call(c, c.cancelJob, { id: (await createJob()).id }, md);
      const log = await logUntil(ep.id, (d) => d.length === 10 && d.every((x) => x.state === DELIVERED));
      const got = receiver.on('/replicas');
      expect(got.map((r) => r.id).sort()).toEqual(log.map((d) => d.webhookId).sort());
      expect(log.every((d) => d.attemptCount === 1)).toBe(true);
      await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
    } finally {
      await second.close();
    }
  });

  it('sends again, same webhook-id, once the claim of a replica that died mid-attempt runs out', async () => {
    const ep = await newEndpoint('/crash', ['job.state_changed']);
    await sender.close();
    await createJob();
    // A replica claims the delivery and dies: it neither answers nor hands the claim back.
    const ds = createDataSource(db.api.databaseUrl, 1);
    await ds.initialize();
    try {
      const dead = new WebhookRepository(ds);
      const claimed = (await dead.claimDue(100, 300)).filter((d) => d.url === receiver.url('/crash'));
      expect(claimed).toHaveLength(1);
      sender = await startTestApi({ databaseUrl: db.api.databaseUrl, webhooks: FAST });
      const [d] = await logUntil(ep.id, (list) => list[0]?.state === DELIVERED);
      expect(d).toMatchObject({ attemptCount: 2, webhookId: webhookIdOf(claimed[0]!.id) });
      expect(receiver.on('/crash').map((r) => [r.id, r.validSignature])).toEqual([[d!.webhookId, true]]);
      // The dead replica's late answer cannot overwrite the outcome.
      expect(await dead.markDelivered(claimed[0]!.id, claimed[0]!.claim_id, 200)).toBe(false);
    } finally {
      await ds.destroy();
    }
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });
});

describe('retention', () => {
  it('deletes finished deliveries older than the retention in batches; pending and recent ones stay', async () => {
    const ep = await newEndpoint('/retention', ['job.state_changed']);
    // Rows named by last_error; ages in days (finished = delivered, or last attempted). A PENDING row
    // is never due here, so the sender leaves it alone.
    const insert = (label: string, state: string, count: number, created: number, finished: number | null) =>
      sql.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, project_id, job_id, event_type, payload, state,
           last_error, create_time, last_attempt_time, delivered_time, next_attempt_time)
         SELECT gen_random_uuid(), e.id, e.project_id, gen_random_uuid(), 'job.state_changed', '{}', $2,
           $3, now() - make_interval(days => $4), now() - make_interval(days => $5::int),
           CASE WHEN $2 = 'DELIVERED' THEN now() - make_interval(days => $5::int) END, now() + interval '1 day'
         FROM webhook_endpoints e, generate_series(1, $6) WHERE e.id = $1`,
        [ep.id, state, label, created, finished, count],
      );
    const oldDelivered = 2 * RETENTION_BATCH_ROWS + 3;
    await insert('old delivered', 'DELIVERED', oldDelivered, 40, 40);
    await insert('old failed', 'FAILED', 2, 45, 31);
    await insert('recent delivered', 'DELIVERED', 1, 40, 1);
    await insert('recent failed', 'FAILED', 1, 60, 29);
    await insert('old pending', 'PENDING', 1, 60, 50);
    await insert('old pending never tried', 'PENDING', 1, 60, null);
    const labels = async () =>
      Object.fromEntries(
        (
          await sql.query<{ last_error: string; n: number }>(
            `SELECT last_error, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1
             GROUP BY last_error`,
            [ep.id],
          )
        ).rows.map((r) => [r.last_error, r.n]),
      );
    const others = async () =>
      (
        await sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id <> $1',
          [ep.id],
        )
      ).rows[0]!.n;
    const othersBefore = await others();

    // One statement deletes one batch at most.
    const ds = createDataSource(db.api.databaseUrl, 1);
    await ds.initialize();
    try {
      expect(await new WebhookRepository(ds).deleteFinished(30, RETENTION_BATCH_ROWS)).toBe(
        RETENTION_BATCH_ROWS,
      );
    } finally {
      await ds.destroy();
    }
    expect((await labels())['old delivered']).toBe(oldDelivered - RETENTION_BATCH_ROWS);

    // Two replicas keeping 30 days sweep at start, at the same time, batch after batch.
    const keep30 = {
      databaseUrl: db.api.databaseUrl,
      webhooks: { ...FAST, concurrency: 0, retentionDays: 30 },
    };
    const sweepers = await Promise.all([startTestApi(keep30), startTestApi(keep30)]);
    try {
      const until = Date.now() + 60_000;
      let left = await labels();
      while ((left['old delivered'] ?? 0) + (left['old failed'] ?? 0) > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        left = await labels();
      }
      expect(left).toEqual({
        'recent delivered': 1,
        'recent failed': 1,
        'old pending': 1,
        'old pending never tried': 1,
      });
      expect(await others()).toBe(othersBefore);
    } finally {
      await Promise.all(sweepers.map((a) => a.close()));
    }
    await call(w, w.deleteWebhookEndpoint, { id: ep.id }, md);
  });
});

describe('aepo webhooks (the CLI)', () => {
  it('creates, lists, shows deliveries, redelivers and deletes; bad input names the field', async () => {
    await buildCli();
    const key = String(md.get('authorization')[0]).replace(/^Bearer /, '');
    const env = cliEnv({ AEPO_ENDPOINT: db.api.grpcAddress, AEPO_API_KEY: key });
    const aepo = (...args: string[]) => runCli(['webhooks', ...args], env);

    const bad = await aepo('create', '--url', 'ftp://example.com', '--event', 'job.exploded');
    expect(bad.code).toBe(10 + status.INVALID_ARGUMENT);
    expect(bad.stderr).toMatch(
      /^aepo: INVALID_ARGUMENT: url: scheme ftp not allowed.*; event_types\[0\]: unknown/,
    );

    const created = await aepo(
      'create',
      '--url',
      receiver.url('/cli'),
      '--event',
      'job.state_changed',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const { endpoint, secret } = JSON.parse(created.stdout) as { endpoint: { id: string }; secret: string };
    receiver.secret('/cli', secret);
    expect((await aepo('list')).stdout).toContain(endpoint.id);

    await createJob();
    await logUntil(endpoint.id, (d) => d.length === 1 && d[0]!.state === DELIVERED);
    const shown = await aepo('deliveries', '--endpoint-id', endpoint.id, '--state', 'delivered');
    expect(shown.stdout, shown.stderr).toMatch(/job\.state_changed .* delivered +1 +200 /);
    const [delivery] = await deliveries(endpoint.id);
    const again = await aepo('redeliver', delivery!.id);
    expect(again.stdout).toContain(delivery!.webhookId);
    await receiver.until(() => receiver.on('/cli').length === 2);
    expect(receiver.on('/cli').map((r) => [r.id, r.validSignature])).toEqual([
      [delivery!.webhookId, true],
      [delivery!.webhookId, true],
    ]);

    expect((await aepo('delete', endpoint.id)).code).toBe(0);
    expect((await aepo('list')).stdout).not.toContain(endpoint.id);
  });
});
