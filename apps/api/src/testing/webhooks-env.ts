import { credentials, type Metadata } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  WebhookDeliveryState,
  WebhookServiceClient,
  type executorV1,
  type FineTuningServiceClient,
  type WebhookDelivery,
  jobIdOf,
  parseResourceName,
} from '@aepo/contracts';
import pg from 'pg';
import type { WebhookDeliveryConfig } from '../config/api-config.js';
import { tinyRows, upload } from './grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, startTestApi, type TestApi } from './test-api.js';
import { WebhookReceiver } from './webhook-receiver.js';

export const { WEBHOOK_DELIVERY_STATE_DELIVERED: DELIVERED, WEBHOOK_DELIVERY_STATE_FAILED: FAILED } =
  WebhookDeliveryState;
export const ALL_TYPES = [
  'job.state_changed',
  'job.checkpoint_saved',
  'job.target_unreachable',
  'job.evaluation_recorded',
];

/** Fast retries so the tests wait fractions of a second, not the production minutes. */
export const FAST: WebhookDeliveryConfig = {
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

/**
 * What the webhook integration tests share: two APIs on one embedded Postgres, a project with a
 * dataset, a receiver of deliveries and a SQL connection. `db` owns the database and serves the calls
 * but sends no webhooks (concurrency 0); `sender` is the replica that delivers, so a test can stop and
 * replace it while `db` keeps the data. Fields are set by start().
 */
export class WebhooksEnv {
  db!: TestApi;
  sender!: TestApi;
  c!: FineTuningServiceClient;
  w!: WebhookServiceClient;
  ex!: executorV1.ExecutorServiceClient;
  md!: Metadata;
  sql!: pg.Client;
  datasetName = '';
  readonly emd = bearer(EXECUTOR_TOKEN);
  readonly receiver = new WebhookReceiver();

  async start(): Promise<void> {
    this.db = await startTestApi({ webhooks: { ...FAST, concurrency: 0 } });
    this.sender = await startTestApi({ databaseUrl: this.db.api.databaseUrl, webhooks: FAST });
    await this.receiver.start();
    this.c = this.db.fineTuning();
    this.ex = this.db.executor;
    this.w = new WebhookServiceClient(this.db.api.grpcAddress, credentials.createInsecure());
    ({ md: this.md } = await this.db.newProject('hooks'));
    this.sql = new pg.Client({ connectionString: this.db.api.databaseUrl });
    await this.sql.connect();
    this.datasetName = (
      await upload(this.c, this.md, [
        { metadata: { displayName: 'train', labels: {}, requestId: '' }, rows: tinyRows(50) },
      ])
    ).dataset!.name;
  }

  /** Safe after a failed start(): closes what was opened. */
  async close(): Promise<void> {
    this.w?.close();
    await this.sql?.end();
    await this.sender?.close();
    await this.db?.close();
    await this.receiver.close();
  }

  async newEndpoint(path: string, eventTypes = ALL_TYPES, key = this.md) {
    const res = await call(
      this.w,
      this.w.createWebhookEndpoint,
      { url: this.receiver.url(path), eventTypes, description: path, disabled: false },
      key,
    );
    this.receiver.secret(path, res.secret);
    // `id`: the `{endpoint}` id, as the database rows name the endpoint.
    return { ...res.endpoint!, id: parseResourceName('webhookEndpoint', res.endpoint!.name)![1]! };
  }

  async createJob() {
    const req = CreateJobRequest.fromPartial({
      spec: {
        baseModel: 'builtin:tiny-arith',
        trainingDataset: this.datasetName,
        entropyTarget: { constant: 0.3 },
      },
    });
    const job = (await call(this.c, this.c.createJob, req, this.md)).job!;
    // `id`: the `{job}` id, as the executor protocol names the job.
    return { ...job, id: jobIdOf(job.name) };
  }

  /** The delivery log of endpoint `endpoint` (its name; `''`: every endpoint of the project). */
  async deliveries(endpoint: string): Promise<WebhookDelivery[]> {
    const req = { parent: endpoint, states: [], pageSize: 1000, pageToken: '' };
    return (await call(this.w, this.w.listWebhookDeliveries, req, this.md)).deliveries;
  }

  /** Polls the delivery log until `done` holds (deliveries move on the sender's schedule). */
  async logUntil(endpoint: string, done: (d: WebhookDelivery[]) => boolean, timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const list = await this.deliveries(endpoint);
      if (done(list)) return list;
      if (Date.now() > until)
        throw new Error(`delivery log: ${JSON.stringify(list.map((d) => [d.eventType, d.state]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
