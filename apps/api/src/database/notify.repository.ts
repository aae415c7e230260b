import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { sqlIn, type Tx } from './tx.js';

/** Channel with a QUEUED job's base model as payload: wakes lease long-polls. */
export const QUEUE_CHANNEL = 'aepo_queue';
/** Channel with a job id as payload: the job, its events or its records changed. */
export const JOB_CHANNEL = 'aepo_job';
/** Channel without payload: webhook deliveries were queued (sent by migration 0005's triggers). */
export const WEBHOOK_CHANNEL = 'aepo_webhook';

/**
 * Postgres LISTEN/NOTIFY: one dedicated connection listens and fans notifications out in-process.
 * Notifications are sent inside the writing transaction, so they arrive only after its commit.
 */
export class NotifyRepository {
  private client: pg.Client | undefined;
  private readonly emitter = new EventEmitter();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'aepo-api-listen' });
    client.on('notification', (msg) => {
      if (msg.channel === JOB_CHANNEL) {
        this.emitter.emit(`job:${msg.payload ?? ''}`);
        this.emitter.emit('job:*', msg.payload ?? '');
      } else this.emitter.emit(msg.channel, msg.payload ?? '');
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'LISTEN connection lost; reconnecting');
      this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${QUEUE_CHANNEL}; LISTEN ${JOB_CHANNEL}; LISTEN ${WEBHOOK_CHANNEL}`);
    this.client = client;
    // Anything may have changed while we were not listening.
    this.emitter.emit('connected', true);
    this.emitter.emit(QUEUE_CHANNEL, '*');
    this.emitter.emit(WEBHOOK_CHANNEL, '');
  }

  private scheduleReconnect(): void {
    this.emitter.emit('connected', false);
    const old = this.client;
    this.client = undefined;
    old?.end().catch(() => undefined);
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.start().catch((err) => {
        this.logger.warn({ err }, 'LISTEN reconnect failed');
        this.scheduleReconnect();
      });
    }, 1000);
  }

  /** Sends a notification as part of `tx` (delivered at its commit). */
  async notify(tx: Tx, channel: string, payload: string): Promise<void> {
    await sqlIn(tx).query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  onQueue(listener: (model: string) => void): () => void {
    this.emitter.on(QUEUE_CHANNEL, listener);
    return () => this.emitter.off(QUEUE_CHANNEL, listener);
  }

  onJob(jobId: string, listener: () => void): () => void {
    this.emitter.on(`job:${jobId}`, listener);
    return () => this.emitter.off(`job:${jobId}`, listener);
  }

  /** Webhook deliveries were queued (also after a LISTEN reconnect: some may have been missed). */
  onWebhook(listener: () => void): () => void {
    this.emitter.on(WEBHOOK_CHANNEL, listener);
    return () => this.emitter.off(WEBHOOK_CHANNEL, listener);
  }

  /** Every job notification (payload: job id). */
  onAnyJob(listener: (jobId: string) => void): () => void {
    this.emitter.on('job:*', listener);
    return () => this.emitter.off('job:*', listener);
  }

  /** LISTEN connection state changes. */
  onConnection(listener: (connected: boolean) => void): () => void {
    this.emitter.on('connected', listener);
    return () => this.emitter.off('connected', listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
