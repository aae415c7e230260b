import {
  formatResourceName,
  jobName,
  WebhookDeliveryState,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '@aepo/contracts';
import { webhookIdOf } from './webhook-signature.js';
import type { DeliveryRow, DeliveryStateName, EndpointRow } from './webhook.repository.js';

const STATE_TO_PROTO: Record<DeliveryStateName, WebhookDeliveryState> = {
  PENDING: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING,
  DELIVERED: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_DELIVERED,
  FAILED: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_FAILED,
};

/** The state filter of ListWebhookDeliveries as stored names (UNSPECIFIED and unknown values: none). */
export function deliveryStateName(state: WebhookDeliveryState): DeliveryStateName | undefined {
  return (Object.keys(STATE_TO_PROTO) as DeliveryStateName[]).find((name) => STATE_TO_PROTO[name] === state);
}

/** An endpoint as the API shows it: never with its secret. */
export function toEndpointProto(row: EndpointRow): WebhookEndpoint {
  return {
    name: formatResourceName('webhookEndpoint', row.project_id, row.id),
    url: row.url,
    eventTypes: row.event_types,
    enabled: row.enabled,
    description: row.description,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

export function toDeliveryProto(row: DeliveryRow): WebhookDelivery {
  return {
    name: formatResourceName('webhookDelivery', row.project_id, row.endpoint_id, row.id),
    endpoint: formatResourceName('webhookEndpoint', row.project_id, row.endpoint_id),
    webhookId: webhookIdOf(row.id),
    eventType: row.event_type,
    job: jobName(row.project_id, row.job_id),
    state: STATE_TO_PROTO[row.state],
    attemptCount: row.attempt_count,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptTime: row.state === 'PENDING' ? row.next_attempt_time : undefined,
    lastAttemptTime: row.last_attempt_time ?? undefined,
    deliveredTime: row.delivered_time ?? undefined,
    createTime: row.create_time,
    payload: row.payload,
  };
}
