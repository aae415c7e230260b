/**
 * The event types an endpoint can subscribe to. The names are written by migration 0005's triggers
 * (job_events and evaluation_records rows); keep the two in step.
 */
export const WEBHOOK_EVENT_TYPES = [
  'job.state_changed',
  'job.checkpoint_saved',
  'job.target_unreachable',
  'job.evaluation_recorded',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
