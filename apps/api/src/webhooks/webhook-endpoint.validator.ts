import type { Violations } from '../common/violations.js';
import { ipLiteralOf, isPrivateAddress } from './webhook-address.guard.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './webhook-events.js';

const MAX_URL = 2048;
const MAX_DESCRIPTION = 500;

/** Paths UpdateWebhookEndpoint accepts in update_mask. */
export const UPDATABLE_PATHS = ['url', 'event_types', 'enabled', 'description'] as const;
export type UpdatablePath = (typeof UPDATABLE_PATHS)[number];

/**
 * An absolute http:// or https:// URL with a host; without `allowPrivate`, not a private IP literal
 * (names are checked when sent, against the addresses they resolve to).
 */
export function checkUrl(v: Violations, field: string, url: string, allowPrivate: boolean): void {
  if (url.trim() === '') return v.add(field, 'is required');
  if (url.length > MAX_URL) return v.add(field, `must be at most ${MAX_URL} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return v.add(field, 'must be an absolute http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return v.add(field, `scheme ${parsed.protocol.replace(/:$/, '')} not allowed: use http or https`);
  if (parsed.hostname === '') return v.add(field, 'must name a host');
  const literal = ipLiteralOf(parsed);
  if (!allowPrivate && literal !== undefined && isPrivateAddress(literal))
    v.add(field, `${literal} is a private address (the server's AEPO_API_WEBHOOK_ALLOW_PRIVATE is off)`);
}

/** At least one known event type, none twice. */
export function checkEventTypes(v: Violations, field: string, types: string[]): void {
  if (types.length === 0)
    return v.add(field, `must name at least one event type: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  types.forEach((type, i) => {
    if (!isWebhookEventType(type))
      v.add(
        `${field}[${i}]`,
        `unknown event type ${JSON.stringify(type)}; one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      );
    else if (types.indexOf(type) !== i) v.add(`${field}[${i}]`, `${type} is listed twice`);
  });
}

export function checkDescription(v: Violations, field: string, description: string): void {
  if (description.length > MAX_DESCRIPTION) v.add(field, `must be at most ${MAX_DESCRIPTION} characters`);
}

/** The mask's paths, each known and none twice; empty is refused (an update must say what it sets). */
export function checkUpdateMask(v: Violations, paths: string[] | undefined): UpdatablePath[] {
  if (!paths || paths.length === 0) {
    v.add('update_mask', `is required: paths among ${UPDATABLE_PATHS.join(', ')}`);
    return [];
  }
  const known: UpdatablePath[] = [];
  for (const path of paths) {
    if (!(UPDATABLE_PATHS as readonly string[]).includes(path))
      v.add('update_mask', `unknown path ${JSON.stringify(path)}; paths among ${UPDATABLE_PATHS.join(', ')}`);
    else if (!known.includes(path as UpdatablePath)) known.push(path as UpdatablePath);
  }
  return known;
}
