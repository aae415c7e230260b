/** Webhook delivery: signed events of a job's life, retries, give-up and redelivery, restarts, replicas. */
import { status } from '@grpc/grpc-js';
import {
  EvaluationRecord,
  StepRecord,
  WebhookDeliveryState,
  executorV1,
  parseResourceName,
} from '@aepo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../database/data-source.js';
import { failure } from '../testing/grpc-helpers.js';
import { call, startTestApi } from '../testing/test-api.js';
import { DELIVERED, FAILED, FAST, WebhooksEnv } from '../testing/webhooks-env.js';
import { webhookIdOf } from './webhook-signature.js';
import { WebhookRepository } from './webhook.repository.js';

const hooks = new WebhooksEnv();
beforeAll(() => hooks.start());
afterAll(() => hooks.close());
const { Outcome } = executorV1;

describe('delivery', () => {
  it("signs a delivery for every state change of a job's lifecycle, and for checkpoints, evaluations, an unreachable target", async () => {
    const ep = await hooks.newEndpoint('/life');
    const job = await hooks.createJob();
    const { lease } = await call(
      hooks.ex,
      hooks.ex.leaseJob,
      { executorId: 'hooks', waitSeconds: 0, models: [] },
      hooks.emd,
    );
    expect(lease!.job!.name).toBe(job.name);
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
      hooks.ex,
      hooks.ex.heartbeat,
      {
        rewindReason: '',
        jobId: job.id,
        attempt,
        steps: [step(1), step(2, true)],
        evaluations: [EvaluationRecord.fromPartial({ step: 2, accuracy: 0.75, passAtK: 0.9, k: 4 })],
      },
      hooks.emd,
    );
    await call(
      hooks.ex,
      hooks.ex.reportCheckpoint,
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
      hooks.emd,
    );
    await call(
      hooks.ex,
      hooks.ex.completeJob,
      { jobId: job.id, attempt, outcome: Outcome.OUTCOME_SUCCEEDED, steps: [], evaluations: [] },
      hooks.emd,
    );

    const events = (
      await call(hooks.c, hooks.c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }, hooks.md)
    ).events;
    const changes = events.filter((e) =>
      ['JOB_EVENT_TYPE_CREATED', 'JOB_EVENT_TYPE_STATE_CHANGED'].includes(e.type),
    );
    expect(changes.map((e) => e.toState)).toEqual([
      'JOB_STATE_QUEUED',
      'JOB_STATE_RUNNING',
      'JOB_STATE_SUCCEEDED',
    ]);
    const bodies = () =>
      hooks.receiver
        .on('/life')
        .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    await hooks.receiver.until(() => bodies().length >= changes.length + 3);
    const got = hooks.receiver.on('/life');
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
    expect(stateChanges.every((b) => b.data['job'] === job.name && !('jobId' in b.data))).toBe(true);
    const byType = (t: string) => bodies().filter((b) => b.type === t);
    expect(byType('job.checkpoint_saved')[0]!.data['checkpoint']).toMatchObject({
      name: `${job.name}/checkpoints/2`,
      step: 2,
      uri: 's3://ckpt/2',
      inBand: true,
    });
    expect(byType('job.target_unreachable')).toHaveLength(1);
    expect(byType('job.evaluation_recorded')[0]!.data).toMatchObject({
      job: job.name,
      step: 2,
      record: { accuracy: 0.75 },
    });

    const log = await hooks.logUntil(
      ep.name,
      (d) => d.length === got.length && d.every((x) => x.state === DELIVERED),
    );
    expect(log.map((d) => d.webhookId).sort()).toEqual(got.map((r) => r.id).sort());
    expect(log.every((d) => d.attemptCount === 1 && d.lastStatusCode === 200 && d.deliveredTime)).toBe(true);
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });

  it('retries an endpoint answering 500 then 200 with the same webhook-id and body', async () => {
    const ep = await hooks.newEndpoint('/flaky', ['job.state_changed']);
    hooks.receiver.answer('/flaky', (seen) => (seen === 1 ? 500 : 200));
    const job = await hooks.createJob();
    await call(hooks.c, hooks.c.cancelJob, { name: job.name }, hooks.md);
    const log = await hooks.logUntil(ep.name, (d) => d.length === 2 && d.every((x) => x.state === DELIVERED));
    for (const d of log) {
      const tries = hooks.receiver.on('/flaky').filter((r) => r.id === d.webhookId);
      expect(tries.map((r) => r.answered)).toEqual([500, 200]);
      expect(tries[0]!.body).toBe(tries[1]!.body);
      expect(tries.every((r) => r.validSignature)).toBe(true);
      expect(d).toMatchObject({ attemptCount: 2, lastStatusCode: 200, lastError: '' });
    }
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });

  it('gives up after the attempt budget (FAILED in the log), and RedeliverWebhook sends it again', async () => {
    const ep = await hooks.newEndpoint('/down', ['job.state_changed']);
    let up = false;
    hooks.receiver.answer('/down', () => (up ? 204 : 503));
    await hooks.createJob();
    const [failed] = await hooks.logUntil(ep.name, (d) => d.length === 1 && d[0]!.state === FAILED);
    expect(failed).toMatchObject({ attemptCount: FAST.maxAttempts, lastStatusCode: 503 });
    expect(failed!.lastError).toMatch(/^HTTP 503/);
    expect(hooks.receiver.on('/down')).toHaveLength(FAST.maxAttempts);
    const metrics = await (await fetch(`${hooks.sender.api.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aepo_api_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/aepo_api_webhook_deliveries_total\{outcome="retry"\} [1-9]/);

    up = true;
    const again = await call(hooks.w, hooks.w.redeliverWebhook, { name: failed!.name }, hooks.md);
    expect(again.delivery).toMatchObject({
      state: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING,
      attemptCount: 0,
    });
    const [done] = await hooks.logUntil(ep.name, (d) => d[0]!.state === DELIVERED);
    expect(done).toMatchObject({ attemptCount: 1, lastStatusCode: 204, webhookId: failed!.webhookId });
    const tries = hooks.receiver.on('/down');
    expect(tries).toHaveLength(FAST.maxAttempts + 1);
    expect(new Set(tries.map((r) => r.id))).toEqual(new Set([failed!.webhookId]));
    expect(tries.every((r) => r.validSignature)).toBe(true);
    expect(
      (
        await failure(
          call(
            hooks.w,
            hooks.w.redeliverWebhook,
            { name: failed!.name },
            (await hooks.db.newProject('x')).md,
          ),
        )
      ).code,
    ).toBe(status.NOT_FOUND);
    // Delivery ids are globally unique: `-` stands for the project and the endpoint; another endpoint
    // of the name does not hold the delivery.
    const deliveryId = parseResourceName('webhookDelivery', failed!.name)![2]!;
    const wildcard = `projects/-/webhookEndpoints/-/deliveries/${deliveryId}`;
    const viaWildcard = await call(hooks.w, hooks.w.redeliverWebhook, { name: wildcard }, hooks.md);
    expect(viaWildcard.delivery!.name).toBe(failed!.name);
    const elsewhere = `projects/-/webhookEndpoints/00000000-0000-4000-8000-000000000000/deliveries/${deliveryId}`;
    expect((await failure(call(hooks.w, hooks.w.redeliverWebhook, { name: elsewhere }, hooks.md))).code).toBe(
      status.NOT_FOUND,
    );
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });

  it('loses nothing when the sending API stops mid-delivery; a duplicate carries the same webhook-id', async () => {
    // A hooks.sender with two slots: two attempts in flight (held by the hooks.receiver), the rest queued behind.
    await hooks.sender.close();
    hooks.sender = await startTestApi({
      databaseUrl: hooks.db.api.databaseUrl,
      webhooks: { ...FAST, concurrency: 2, timeoutMs: 60_000 },
    });
    const ep = await hooks.newEndpoint('/restart', ['job.state_changed']);
    let holding = true;
    hooks.receiver.answer('/restart', () => (holding ? 'hold' : 200));
    for (let i = 0; i < 2; i++)
      await call(hooks.c, hooks.c.cancelJob, { name: (await hooks.createJob()).name }, hooks.md);
    await hooks.receiver.until(() => hooks.receiver.on('/restart').length === 2);
    await hooks.sender.close();
    const queued = await hooks.deliveries(ep.name);
    expect(queued).toHaveLength(4);
    expect(queued.every((d) => d.state === WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING)).toBe(true);

    holding = false;
    hooks.sender = await startTestApi({ databaseUrl: hooks.db.api.databaseUrl, webhooks: FAST });
    const log = await hooks.logUntil(ep.name, (d) => d.length === 4 && d.every((x) => x.state === DELIVERED));
    const got = hooks.receiver.on('/restart');
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
    const second = await startTestApi({ databaseUrl: hooks.db.api.databaseUrl, webhooks: FAST });
    try {
      const ep = await hooks.newEndpoint('/replicas', ['job.state_changed']);
      for (let i = 0; i < 5; i++)
        await call(hooks.c, hooks.c.cancelJob, { name: (await hooks.createJob()).name }, hooks.md);
      const log = await hooks.logUntil(
        ep.name,
        (d) => d.length === 10 && d.every((x) => x.state === DELIVERED),
      );
      const got = hooks.receiver.on('/replicas');
      expect(got.map((r) => r.id).sort()).toEqual(log.map((d) => d.webhookId).sort());
      expect(log.every((d) => d.attemptCount === 1)).toBe(true);
      await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
    } finally {
      await second.close();
    }
  });

  it('sends again, same webhook-id, once the claim of a replica that died mid-attempt runs out', async () => {
    const ep = await hooks.newEndpoint('/crash', ['job.state_changed']);
    await hooks.sender.close();
    await hooks.createJob();
    // A replica claims the delivery and dies: it neither answers nor hands the claim back.
    const ds = createDataSource(hooks.db.api.databaseUrl, 1);
    await ds.initialize();
    try {
      const dead = new WebhookRepository(ds);
      const claimed = (await dead.claimDue(100, 300)).filter((d) => d.url === hooks.receiver.url('/crash'));
      expect(claimed).toHaveLength(1);
      hooks.sender = await startTestApi({ databaseUrl: hooks.db.api.databaseUrl, webhooks: FAST });
      const [d] = await hooks.logUntil(ep.name, (list) => list[0]?.state === DELIVERED);
      expect(d).toMatchObject({ attemptCount: 2, webhookId: webhookIdOf(claimed[0]!.id) });
      expect(hooks.receiver.on('/crash').map((r) => [r.id, r.validSignature])).toEqual([
        [d!.webhookId, true],
      ]);
      // The dead replica's late answer cannot overwrite the outcome.
      expect(await dead.markDelivered(claimed[0]!.id, claimed[0]!.claim_id, 200)).toBe(false);
    } finally {
      await ds.destroy();
    }
    await call(hooks.w, hooks.w.deleteWebhookEndpoint, { name: ep.name }, hooks.md);
  });
});
