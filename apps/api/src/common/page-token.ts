import { ApiError } from './api-error.js';
import { UUID_RE } from './violations.js';

/** What one element of a page token's sort key must be before it reaches a query. */
export type CursorPart = 'time' | 'uuid' | 'step';

/** Sort keys of the lists: newest first by (create_time, id), or ascending by step / sequence. */
export const TIME_ID_CURSOR: readonly CursorPart[] = ['time', 'uuid'];
export const STEP_CURSOR: readonly CursorPart[] = ['step'];

const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const VALID: Record<CursorPart, (v: unknown) => boolean> = {
  time: (v) => typeof v === 'string' && ISO_TIME_RE.test(v) && Number.isFinite(Date.parse(v)),
  uuid: (v) => typeof v === 'string' && UUID_RE.test(v),
  step: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
};

/**
 * Opaque AIP-158 page tokens: base64url JSON of the last row's sort key plus a fingerprint of the
 * filters, so a token cannot be replayed against a different query.
 */
export function encodePageToken(key: unknown[], filter = ''): string {
  return Buffer.from(JSON.stringify({ k: key, f: filter })).toString('base64url');
}

/**
 * The sort key of a token, each part checked against `shape` (a forged key that decodes is refused
 * here, never by the database).
 */
export function decodePageToken(
  token: string,
  filter: string,
  shape: readonly CursorPart[],
): unknown[] | undefined {
  if (token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      k?: unknown;
      f?: unknown;
    };
    const key = parsed.k;
    if (
      Array.isArray(key) &&
      parsed.f === filter &&
      key.length === shape.length &&
      shape.every((part, i) => VALID[part](key[i]))
    ) {
      return key;
    }
  } catch {
    // fall through to the error below
  }
  throw ApiError.invalid([
    { field: 'page_token', description: 'not a token from this list with these filters' },
  ]);
}

/** Validates page_size (0 means the default) and returns the effective size. */
export function pageSize(requested: number, fallback: number, max = 1000): number {
  if (!Number.isInteger(requested) || requested < 0 || requested > max) {
    throw ApiError.invalid([{ field: 'page_size', description: `must be between 0 and ${max}` }]);
  }
  return requested === 0 ? fallback : requested;
}
