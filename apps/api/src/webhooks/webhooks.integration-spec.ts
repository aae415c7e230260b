/**
 * Webhook endpoints and their outbox: the WebhookService's validation, per-project ownership and
 * field-mask updates, the outbox written in the event's transaction, retention, and the CLI.
 * Delivery itself: webhooks-delivery.integration-spec.ts.
 */
import { status } from '@grpc/grpc-js';
import { parseResourceName } from '@aepo/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../database/data-source.js';
import { failure } from '../testing/grpc-helpers.js';
import { bearer, call, startTestApi } from '../testing/test-api.js';
import { ALL_TYPES, DELIVERED, FAST, WebhooksEnv } from '../testing/webhooks-env.js';
import { WebhookRepository } from './webhook.repository.js';
import { RETENTION_BATCH_ROWS } from './webhook.retention.js';
import { buildCli, cliEnv, removeCliEnvs, runCli } from '../../../../test/cli-support/cli-runner.js';

const hooks = new WebhooksEnv();
beforeAll(() => hooks.start());
afterAll(() => hooks.close());
afterAll(() => removeCliEnvs());

describe('WebhookService', () => {
  it('rejects bad input with field violations naming the field', async () => {
    const create = (url: string, eventTypes: string[]) =>
      failure(
        call(
          hooks.w,
          hooks.w.createWebhookEndpoint,
          { url, eventTypes, description: '', disabled: false },
          hooks.md,
        ),
      );
    expect(await create('ftp://example.com/hook', ['job.state_changed', 'job.exploded'])).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['url', 'event_types[1]'],
    });
    expect((await create('https://example.com/hook', [])).fields).toEqual(['event_types']);
    expect((await create('not a url', ['job.state_changed'])).fields).toEqual(['url']);
    const ep = await hooks.newEndpoint('/bad-input');
    const update = (paths: string[], over: object) =>
      failure(
        call(
          hooks.w,
          hooks.w.updateWebhookEndpoint,
          { endpoint: { ...ep, ...over }, updateMask: paths },
          hooks.md,
        ),
      );
    expect((await update(['colour'], {})).fields).toEqual(['update_mask']);
    expect((await update([], {})).fields).toEqual(['update_mask']);
    expect((await update(['event_types', 'url'], { eventTypes: [], url: 'gopher://x' })).fields).toEqual([
      'endpoint.event_types',
      'endpoint.url',
    ]);
    expect(
      (
        await failure(
          call(hooks.w, hooks.w.listWebhookEndpoints, { pageSize: 0, pageToken: '' }, bearer('aepo_nope')),
        )
      ).code,
    ).toBe(status.UNAUTHENTICATED);
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });

  it('keeps endpoints per project, shows the secret once, updates by field mask, deletes', async () => {
    const created = await call(
      hooks.w,
      hooks.w.createWebhookEndpoint,
      {
        url: 'https://example.com/a',
        eventTypes: ['job.checkpoint_saved'],
        description: 'a',
        disabled: true,
      },
      hooks.md,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const ep = created.endpoint!;
    expect(ep).toMatchObject({
      url: 'https://example.com/a',
      eventTypes: ['job.checkpoint_saved'],
      enabled: false,
    });
    const got = await call(hooks.w, hooks.w.getWebhookEndpoint, { name: ep.name }, hooks.md);
    expect(JSON.stringify(got)).not.toContain(created.secret.slice(6));
    // AIP-122 names: `-` for the caller's project; a malformed name is INVALID_ARGUMENT naming the field.
    const id = parseResourceName('webhookEndpoint', ep.name)![1]!;
    const wildcard = `projects/-/webhookEndpoints/${id}`;
    expect((await call(hooks.w, hooks.w.getWebhookEndpoint, { name: wildcard }, hooks.md)).endpoint).toEqual(
      ep,
    );
    expect(await failure(call(hooks.w, hooks.w.getWebhookEndpoint, { name: id }, hooks.md))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['name'],
    });
    const unnamed = { endpoint: { ...ep, name: `${ep.name}/deliveries/x` }, updateMask: ['enabled'] };
    expect(await failure(call(hooks.w, hooks.w.updateWebhookEndpoint, unnamed, hooks.md))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['endpoint.name'],
    });
    const byParent = (parent: string) =>
      call(
        hooks.w,
        hooks.w.listWebhookDeliveries,
        { parent, states: [], pageSize: 0, pageToken: '' },
        hooks.md,
      );
    expect((await failure(byParent('projects/-'))).fields).toEqual(['parent']);
    expect((await byParent('projects/-/webhookEndpoints/-')).deliveries).toEqual(
      (await byParent('')).deliveries,
    );
    expect((await byParent(wildcard)).deliveries).toEqual([]);
    const { md: other } = await hooks.db.newProject('other');
    expect((await failure(call(hooks.w, hooks.w.getWebhookEndpoint, { name: ep.name }, other))).code).toBe(
      status.NOT_FOUND,
    );
    expect(
      (await call(hooks.w, hooks.w.listWebhookEndpoints, { pageSize: 0, pageToken: '' }, other)).endpoints,
    ).toEqual([]);

    const updated = await call(
      hooks.w,
      hooks.w.updateWebhookEndpoint,
      { endpoint: { ...ep, enabled: true, url: 'https://ignored.example.com/' }, updateMask: ['enabled'] },
      hooks.md,
    );
    expect(updated.endpoint).toMatchObject({ enabled: true, url: 'https://example.com/a', description: 'a' });
    const listed = await call(
      hooks.w,
      hooks.w.listWebhookEndpoints,
      { pageSize: 0, pageToken: '' },
      hooks.md,
    );
    expect(listed.endpoints.map((e) => e.name)).toContain(ep.name);

    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
    expect((await failure(call(hooks.w, hooks.w.getWebhookEndpoint, { name: ep.name }, hooks.md))).code).toBe(
      status.NOT_FOUND,
    );
    expect(
      (await failure(call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md))).code,
    ).toBe(status.NOT_FOUND);
  });
});

describe('outbox', () => {
  it('is written in the transaction of the event: nothing before the commit or after a rollback', async () => {
    const ep = await hooks.newEndpoint('/outbox', ['job.state_changed', 'job.evaluation_recorded']);
    const off = await hooks.newEndpoint('/outbox-off', ['job.state_changed']);
    await call(
      hooks.w,
      hooks.w.updateWebhookEndpoint,
      { endpoint: { ...off, enabled: false }, updateMask: ['enabled'] },
      hooks.md,
    );
    const { md: otherMd } = await hooks.db.newProject('outbox-other');
    await hooks.newEndpoint('/outbox-other', ALL_TYPES, otherMd);
    const job = await hooks.createJob();
    await call(hooks.c, hooks.c.cancelJob, { name: job.name }, hooks.md);
    await hooks.logUntil(ep.name, (d) => d.length === 2 && d.every((x) => x.state === DELIVERED));

    const other = new pg.Client({ connectionString: hooks.db.api.databaseUrl });
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
      hooks.sql.query(
        `INSERT INTO job_events (job_id, sequence, type, from_state, to_state) VALUES ($1, $2, $3, 'CANCELLED', 'CANCELLED')`,
        [job.id, seq, type],
      );
    try {
      await hooks.sql.query('BEGIN');
      await insertEvent(100);
      expect(await count(hooks.sql, 100)).toBe(1);
      expect(await count(other, 100)).toBe(0);
      await hooks.sql.query('ROLLBACK');
      expect(await count(other, 100)).toBe(0);

      await hooks.sql.query('BEGIN');
      await insertEvent(101);
      await insertEvent(102, 'LEASED');
      await hooks.sql.query(
        `INSERT INTO evaluation_records (job_id, step, attempt, record) VALUES ($1, 7, 1, '{"step":"7"}')`,
        [job.id],
      );
      expect(await count(other, 101)).toBe(0);
      await hooks.sql.query('COMMIT');
    } finally {
      await hooks.sql.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    // One per subscribed, enabled endpoint of the job's project: not the disabled one, not the other project's.
    const rows = (
      await hooks.sql.query<{ endpoint_id: string; event_type: string }>(
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
    const log = await hooks.logUntil(ep.name, (d) => d.length === 4 && d.every((x) => x.state === DELIVERED));
    expect(
      hooks.receiver
        .on('/outbox')
        .map((r) => r.id)
        .sort(),
    ).toEqual(log.map((d) => d.webhookId).sort());
    expect(hooks.receiver.on('/outbox-off')).toEqual([]);
    expect(hooks.receiver.on('/outbox-other')).toEqual([]);
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });
});

describe('retention', () => {
  it('deletes finished deliveries older than the retention in batches; pending and recent ones stay', async () => {
    const ep = await hooks.newEndpoint('/retention', ['job.state_changed']);
    // Rows named by last_error; ages in days (finished = delivered, or last attempted). A PENDING row
    // is never due here, so the hooks.sender leaves it alone.
    const insert = (label: string, state: string, count: number, created: number, finished: number | null) =>
      hooks.sql.query(
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
          await hooks.sql.query<{ last_error: string; n: number }>(
            `SELECT last_error, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1
             GROUP BY last_error`,
            [ep.id],
          )
        ).rows.map((r) => [r.last_error, r.n]),
      );
    const others = async () =>
      (
        await hooks.sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id <> $1',
          [ep.id],
        )
      ).rows[0]!.n;
    const othersBefore = await others();

    // One statement deletes one batch at most.
    const ds = createDataSource(hooks.db.api.databaseUrl, 1);
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
      databaseUrl: hooks.db.api.databaseUrl,
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
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });
});

describe('aepo webhooks (the CLI)', () => {
  it('creates, lists, shows deliveries, redelivers and deletes; bad input names the field', async () => {
    await buildCli();
    const key = String(hooks.md.get('authorization')[0]).replace(/^Bearer /, '');
    const env = cliEnv({ AEPO_ENDPOINT: hooks.db.api.grpcAddress, AEPO_API_KEY: key });
    const aepo = (...args: string[]) => runCli(['webhooks', ...args], env);

    const bad = await aepo('create', '--url', 'ftp://example.com', '--event', 'job.exploded');
    expect(bad.code).toBe(10 + status.INVALID_ARGUMENT);
    expect(bad.stderr).toMatch(
      /^aepo: INVALID_ARGUMENT: url: scheme ftp not allowed.*; event_types\[0\]: unknown/,
    );

    const created = await aepo(
      'create',
      '--url',
      hooks.receiver.url('/cli'),
      '--event',
      'job.state_changed',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const { endpoint, secret } = JSON.parse(created.stdout) as { endpoint: { name: string }; secret: string };
    hooks.receiver.secret('/cli', secret);
    expect((await aepo('list')).stdout).toContain(endpoint.name);

    await hooks.createJob();
    await hooks.logUntil(endpoint.name, (d) => d.length === 1 && d[0]!.state === DELIVERED);
    const shown = await aepo('deliveries', '--endpoint', endpoint.name, '--state', 'delivered');
    expect(shown.stdout, shown.stderr).toMatch(/job\.state_changed .* delivered +1 +200 /);
    const [delivery] = await hooks.deliveries(endpoint.name);
    const again = await aepo('redeliver', delivery!.name);
    expect(again.stdout).toContain(delivery!.webhookId);
    await hooks.receiver.until(() => hooks.receiver.on('/cli').length === 2);
    expect(hooks.receiver.on('/cli').map((r) => [r.id, r.validSignature])).toEqual([
      [delivery!.webhookId, true],
      [delivery!.webhookId, true],
    ]);

    expect((await aepo('delete', endpoint.name)).code).toBe(0);
    expect((await aepo('list')).stdout).not.toContain(endpoint.name);
  });
});
