import { ApiError } from './api-error.js';

/**
 * Opaque AIP-158 page tokens: base64url JSON of the last row's sort key plus a fingerprint of the
 * filters, so a token cannot be replayed against a different query.
 */
export function encodePageToken(key: unknown[], filter = ''): string {
  return Buffer.from(JSON.stringify({ k: key, f: filter })).toString('base64url');
}

export function decodePageToken(token: string, filter = ''): unknown[] | undefined {
  if (token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      k?: unknown;
      f?: unknown;
    };
    if (Array.isArray(parsed.k) && parsed.f === filter) return parsed.k;
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
