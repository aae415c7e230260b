import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type {
  CreateWebhookEndpointRequest,
  CreateWebhookEndpointResponse,
  ListWebhookDeliveriesRequest,
  ListWebhookDeliveriesResponse,
  ListWebhookEndpointsResponse,
  UpdateWebhookEndpointRequest,
  WebhookDelivery,
  WebhookEndpoint,
} from '@aepo/contracts';
import { ApiError } from '../common/api-error.js';
import { decodePageToken, encodePageToken, pageSize, TIME_ID_CURSOR } from '../common/page-token.js';
import { ownEndpointId } from '../common/resource-name.js';
import { UUID_RE, Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import {
  checkDescription,
  checkEventTypes,
  checkUpdateMask,
  checkUrl,
} from './webhook-endpoint.validator.js';
import { newWebhookSecret } from './webhook-signature.js';
import { deliveryStateName, toDeliveryProto, toEndpointProto } from './webhook.mapper.js';
import {
  WebhookRepository,
  type DeliveryStateName,
  type EndpointChanges,
  type EndpointRow,
} from './webhook.repository.js';

/** A required id field: empty is INVALID_ARGUMENT; anything not a uuid cannot exist (NOT_FOUND). */
function requireId(field: string, id: string, what: string): void {
  if (id === '') throw ApiError.invalid([{ field, description: 'is required' }]);
  if (!UUID_RE.test(id)) throw ApiError.notFound(what, id);
}

/** Next-page token of a newest-first page fetched with one row more than `limit`. */
function nextToken(rows: { create_time: Date; id: string }[], limit: number, filter = ''): string {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? encodePageToken([last.create_time.toISOString(), last.id], filter) : '';
}

/** Per-project webhook endpoints and their delivery log. */
@Injectable()
export class WebhookService {
  private readonly allowPrivate: boolean;

  constructor(
    @Inject(WebhookRepository) private readonly repo: WebhookRepository,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.allowPrivate = config.webhooks.allowPrivate;
  }

  async create(projectId: string, req: CreateWebhookEndpointRequest): Promise<CreateWebhookEndpointResponse> {
    const v = new Violations();
    checkUrl(v, 'url', req.url, this.allowPrivate);
    checkEventTypes(v, 'event_types', req.eventTypes);
    checkDescription(v, 'description', req.description);
    if (!v.empty) throw ApiError.invalid(v.list);
    const secret = newWebhookSecret();
    const row = await this.repo.insertEndpoint({
      id: randomUUID(),
      project_id: projectId,
      url: req.url,
      event_types: req.eventTypes,
      secret,
      enabled: !req.disabled,
      description: req.description,
    });
    return { endpoint: toEndpointProto(row), secret };
  }

  async get(projectId: string, id: string): Promise<WebhookEndpoint> {
    return toEndpointProto(await this.find(projectId, id));
  }

  async list(projectId: string, size: number, token: string): Promise<ListWebhookEndpointsResponse> {
    const limit = pageSize(size, 50);
    const after = decodePageToken(token, '', TIME_ID_CURSOR) as [string, string] | undefined;
    const rows = await this.repo.listEndpoints(projectId, after, limit);
    return { endpoints: rows.slice(0, limit).map(toEndpointProto), nextPageToken: nextToken(rows, limit) };
  }

  async update(projectId: string, req: UpdateWebhookEndpointRequest): Promise<WebhookEndpoint> {
    const given = req.endpoint;
    if (!given) throw ApiError.invalid([{ field: 'endpoint', description: 'is required' }]);
    const id = ownEndpointId(given.name, 'endpoint.name', projectId);
    requireId('endpoint.name', id, 'webhook endpoint');
    const v = new Violations();
    const paths = checkUpdateMask(v, req.updateMask);
    const changes: EndpointChanges = {};
    for (const path of paths) {
      if (path === 'url') {
        checkUrl(v, 'endpoint.url', given.url, this.allowPrivate);
        changes.url = given.url;
      } else if (path === 'event_types') {
        checkEventTypes(v, 'endpoint.event_types', given.eventTypes);
        changes.event_types = given.eventTypes;
      } else if (path === 'description') {
        checkDescription(v, 'endpoint.description', given.description);
        changes.description = given.description;
      } else changes.enabled = given.enabled;
    }
    if (!v.empty) throw ApiError.invalid(v.list);
    const row = await this.repo.updateEndpoint(projectId, id, changes);
    if (!row) throw ApiError.notFound('webhook endpoint', given.name);
    return toEndpointProto(row);
  }

  async delete(projectId: string, id: string): Promise<void> {
    requireId('name', id, 'webhook endpoint');
    if (!(await this.repo.deleteEndpoint(projectId, id))) throw ApiError.notFound('webhook endpoint', id);
  }

  /** Deliveries of endpoint `endpointId` (the id of `req.parent`), or of every endpoint when empty. */
  async deliveries(
    projectId: string,
    endpointId: string,
    req: ListWebhookDeliveriesRequest,
  ): Promise<ListWebhookDeliveriesResponse> {
    const limit = pageSize(req.pageSize, 50);
    if (endpointId !== '') await this.find(projectId, endpointId, 'parent');
    const states: DeliveryStateName[] = [];
    const v = new Violations();
    req.states.forEach((s, i) => {
      const name = deliveryStateName(s);
      if (name) states.push(name);
      else v.add(`states[${i}]`, 'must be PENDING, DELIVERED or FAILED');
    });
    if (!v.empty) throw ApiError.invalid(v.list);
    const filter = `${endpointId}|${[...states].sort().join(',')}`;
    const after = decodePageToken(req.pageToken, filter, TIME_ID_CURSOR) as [string, string] | undefined;
    const rows = await this.repo.listDeliveries(
      projectId,
      { endpointId: endpointId || undefined, states },
      after,
      limit,
    );
    return {
      deliveries: rows.slice(0, limit).map(toDeliveryProto),
      nextPageToken: nextToken(rows, limit, filter),
    };
  }

  /** Queues delivery `deliveryId` again; `endpointId` null when its name left the endpoint `-`. */
  async redeliver(
    projectId: string,
    deliveryId: string,
    endpointId: string | null,
  ): Promise<WebhookDelivery> {
    requireId('name', deliveryId, 'webhook delivery');
    if (endpointId !== null) requireId('name', endpointId, 'webhook endpoint');
    const row = await this.repo.redeliver(projectId, deliveryId, endpointId);
    if (!row) throw ApiError.notFound('webhook delivery', deliveryId);
    return toDeliveryProto(row);
  }

  private async find(projectId: string, id: string, field = 'name'): Promise<EndpointRow> {
    requireId(field, id, 'webhook endpoint');
    const row = await this.repo.endpoint(projectId, id);
    if (!row) throw ApiError.notFound('webhook endpoint', id);
    return row;
  }
}
