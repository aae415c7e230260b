import { CreateJobRequest } from '@aepo/contracts';
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal messages give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of a CreateJobRequest as the caller sent it (before defaults, request_id left out): two
 * requests hash alike exactly when they ask for the same job, whatever the order of their map entries.
 */
export function createJobRequestHash(req: CreateJobRequest): string {
  const json = CreateJobRequest.toJSON({ ...req, requestId: '' });
  return createHash('sha256').update(canonicalJson(json)).digest('hex');
}
