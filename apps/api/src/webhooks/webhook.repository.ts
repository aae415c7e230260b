import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/data-source.js';
import { WEBHOOK_CHANNEL } from '../database/notify.repository.js';
import { rowsOf } from '../database/sql-rows.js';

export interface EndpointRow {
  id: string;
  project_id: string;
  url: string;
  event_types: string[];
  secret: string;
  enabled: boolean;
  description: string;
  create_time: Date;
  update_time: Date;
}

export type DeliveryStateName = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  project_id: string;
  job_id: string;
  event_type: string;
  payload: string;
  state: DeliveryStateName;
  attempt_count: number;
  last_status_code: number;
  last_error: string;
  next_attempt_time: Date;
  last_attempt_time: Date | null;
  delivered_time: Date | null;
  create_time: Date;
}

/** A delivery claimed by this replica for one attempt, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  claim_id: string;
  /** Attempts made, this one included. */
  attempt_count: number;
  payload: string;
  url: string;
  secret: string;
}

/** The fields an update may set (column names). */
export interface EndpointChanges {
  url?: string;
  event_types?: string[];
  enabled?: boolean;
  description?: string;
}

/** Endpoints, the outbox of deliveries (written by migration 0005's triggers) and its claims. */
@Injectable()
export class WebhookRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insertEndpoint(
    e: Pick<EndpointRow, 'id' | 'project_id' | 'url' | 'event_types' | 'secret' | 'enabled' | 'description'>,
  ): Promise<EndpointRow> {
    const rows: EndpointRow[] = await this.ds.query(
      `INSERT INTO webhook_endpoints (id, project_id, url, event_types, secret, enabled, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [e.id, e.project_id, e.url, e.event_types, e.secret, e.enabled, e.description],
    );
    return rows[0]!;
  }

  async endpoint(projectId: string, id: string): Promise<EndpointRow | null> {
    const rows: EndpointRow[] = await this.ds.query(
      'SELECT * FROM webhook_endpoints WHERE id = $1 AND project_id = $2',
      [id, projectId],
    );
    return rows[0] ?? null;
  }

  /** Newest first, after the (create_time, id) cursor; one more row than `limit` tells a next page. */
  async listEndpoints(
    projectId: string,
    after: [string, string] | undefined,
    limit: number,
  ): Promise<EndpointRow[]> {
    return this.ds.query(
      `SELECT * FROM webhook_endpoints WHERE project_id = $1
         AND ($2::timestamptz IS NULL OR (create_time, id) < ($2::timestamptz, $3::uuid))
       ORDER BY create_time DESC, id DESC LIMIT $4`,
      [projectId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
  }

  async updateEndpoint(projectId: string, id: string, changes: EndpointChanges): Promise<EndpointRow | null> {
    const params: unknown[] = [id, projectId];
    const set = ['update_time = now()'];
    for (const [column, value] of Object.entries(changes)) {
      params.push(value);
      set.push(`${column} = $${params.length}`);
    }
    const rows = rowsOf<EndpointRow>(
      await this.ds.query(
        `UPDATE webhook_endpoints SET ${set.join(', ')} WHERE id = $1 AND project_id = $2 RETURNING *`,
        params,
      ),
    );
    return rows[0] ?? null;
  }

  async deleteEndpoint(projectId: string, id: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query('DELETE FROM webhook_endpoints WHERE id = $1 AND project_id = $2 RETURNING id', [
        id,
        projectId,
      ]),
    );
    return rows.length > 0;
  }

  async listDeliveries(
    projectId: string,
    filter: { endpointId: string | undefined; states: DeliveryStateName[] },
    after: [string, string] | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return this.ds.query(
      `SELECT * FROM webhook_deliveries WHERE project_id = $1
         AND ($2::uuid IS NULL OR endpoint_id = $2::uuid)
         AND (cardinality($3::text[]) = 0 OR state = ANY ($3::text[]))
         AND ($4::timestamptz IS NULL OR (create_time, id) < ($4::timestamptz, $5::uuid))
       ORDER BY create_time DESC, id DESC LIMIT $6`,
      [
        projectId,
        filter.endpointId ?? null,
        filter.states,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
      ],
    );
  }

  /**
   * Makes a delivery due now with a fresh retry budget, whatever its state; an attempt in flight
   * loses its claim (its result is not stored, the delivery is sent again).
   */
  /** Queues delivery `id` again; `endpointId` null: whatever its endpoint. Null when there is none. */
  async redeliver(projectId: string, id: string, endpointId: string | null): Promise<DeliveryRow | null> {
    const rows = rowsOf<DeliveryRow>(
      await this.ds.query(
        `UPDATE webhook_deliveries SET state = 'PENDING', next_attempt_time = now(), attempt_count = 0,
           retry_window_start = now(), claim_id = NULL
         WHERE id = $1 AND project_id = $2 AND ($3::uuid IS NULL OR endpoint_id = $3::uuid) RETURNING *`,
        [id, projectId, endpointId],
      ),
    );
    if (rows[0]) await this.wakeWorkers();
    return rows[0] ?? null;
  }

  /**
   * Claims up to `limit` due deliveries of enabled endpoints for one attempt each. SKIP LOCKED lets
   * replicas claim different rows; the claim pushes next_attempt_time `claimMs` ahead, so a replica
   * that dies mid-attempt leaves the delivery due again once the claim runs out.
   */
  async claimDue(limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
    const rows = rowsOf<ClaimedDelivery>(
      await this.ds.query(
        `WITH due AS (
           SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.state = 'PENDING' AND d.next_attempt_time <= now() AND e.enabled
           ORDER BY d.next_attempt_time LIMIT $1 FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_deliveries d SET claim_id = gen_random_uuid(), attempt_count = d.attempt_count + 1,
           last_attempt_time = now(), next_attempt_time = now() + make_interval(secs => $2::double precision / 1000)
         FROM due, webhook_endpoints e
         WHERE d.id = due.id AND e.id = d.endpoint_id
         RETURNING d.id, d.claim_id, d.attempt_count, d.payload, e.url, e.secret`,
        [limit, claimMs],
      ),
    );
    return rows;
  }

  /** Stores a 2xx answer (only while the claim is still this attempt's). */
  async markDelivered(id: string, claimId: string, statusCode: number): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `UPDATE webhook_deliveries SET state = 'DELIVERED', delivered_time = now(), last_status_code = $3,
           last_error = '', claim_id = NULL
         WHERE id = $1 AND claim_id = $2 RETURNING id`,
        [id, claimId, statusCode],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Stores a failed attempt: due again after `retryMs`, or FAILED once `maxAttempts` attempts were
   * made or the retry window is older than `maxAgeSeconds`. Returns the new state (null: claim lost).
   */
  async markFailed(
    id: string,
    claimId: string,
    outcome: { statusCode: number; error: string },
    policy: { retryMs: number; maxAttempts: number; maxAgeSeconds: number },
  ): Promise<DeliveryStateName | null> {
    const rows = rowsOf<{ state: DeliveryStateName }>(
      await this.ds.query(
        `UPDATE webhook_deliveries SET
           state = CASE WHEN attempt_count >= $5 OR retry_window_start <= now() - make_interval(secs => $6)
             THEN 'FAILED' ELSE 'PENDING' END,
           next_attempt_time = now() + make_interval(secs => $7::double precision / 1000),
           last_status_code = $3, last_error = $4, claim_id = NULL
         WHERE id = $1 AND claim_id = $2 RETURNING state`,
        [
          id,
          claimId,
          outcome.statusCode,
          outcome.error,
          policy.maxAttempts,
          policy.maxAgeSeconds,
          policy.retryMs,
        ],
      ),
    );
    return rows[0]?.state ?? null;
  }

  /** Hands claims back (a stopping replica): those deliveries are due again at once. */
  async release(claimIds: string[]): Promise<void> {
    if (claimIds.length === 0) return;
    await this.ds.query(
      `UPDATE webhook_deliveries SET claim_id = NULL, next_attempt_time = now()
       WHERE claim_id = ANY ($1::uuid[]) AND state = 'PENDING'`,
      [claimIds],
    );
    await this.wakeWorkers();
  }

  /** Every replica's delivery worker looks for due deliveries. */
  private async wakeWorkers(): Promise<void> {
    await this.ds.query('SELECT pg_notify($1, $2)', [WEBHOOK_CHANNEL, '']);
  }

  /** Milliseconds until the next delivery of an enabled endpoint is due (0: now; null: none pending). */
  async msUntilNextDue(): Promise<number | null> {
    const rows: { ms: number | null }[] = await this.ds.query(
      `SELECT greatest(0, extract(epoch FROM min(d.next_attempt_time) - now()) * 1000)::float8 AS ms
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.state = 'PENDING' AND e.enabled`,
    );
    return rows[0]?.ms ?? null;
  }

  /**
   * Deletes up to `limit` DELIVERED or FAILED deliveries finished (delivered, or last attempted) more
   * than `days` days ago; returns how many. SKIP LOCKED: rows another replica is deleting, or a
   * redeliver is changing, are left alone (a redelivered row is PENDING again and no longer matches).
   */
  async deleteFinished(days: number, limit: number): Promise<number> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `DELETE FROM webhook_deliveries WHERE id IN (
           SELECT id FROM webhook_deliveries
           WHERE state IN ('DELIVERED', 'FAILED')
             AND coalesce(delivered_time, last_attempt_time, create_time) < now() - make_interval(days => $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING id`,
        [days, limit],
      ),
    );
    return rows.length;
  }

  /** Deliveries not yet delivered nor given up (the metrics' queue depth). */
  async pendingCount(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'PENDING'",
    );
    return Number(rows[0]?.n ?? 0);
  }
}
