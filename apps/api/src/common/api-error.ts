import type { FieldViolation, QuotaViolation } from '@aepo/contracts';

/** Domain error codes; the gRPC edge maps each to one status code (grpc-error.mapper.ts). */
export enum ApiErrorCode {
  INVALID_INPUT = 'INVALID_INPUT',
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  NOT_FOUND = 'NOT_FOUND',
  /** A create whose idempotency key is taken by a different request. */
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  IN_USE = 'IN_USE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  LEASE_LOST = 'LEASE_LOST',
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  /** The deployment lacks what the call needs (e.g. no object store configured). */
  NOT_CONFIGURED = 'NOT_CONFIGURED',
  /** A service the API depends on (e.g. the object store) did not answer. */
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
}

/** A failure the caller can act on; anything else is answered INTERNAL. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static invalid(violations: FieldViolation[]): ApiError {
    const first = violations[0];
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    return new ApiError(
      ApiErrorCode.INVALID_INPUT,
      first ? `${first.field}: ${first.description}${more}` : 'invalid argument',
      violations,
    );
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError(ApiErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} not found`);
  }
}

/** A per-project quota the call would exceed (RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure). */
export class QuotaExceededError extends ApiError {
  constructor(readonly quota: QuotaViolation) {
    super(ApiErrorCode.QUOTA_EXCEEDED, quota.description);
    this.name = 'QuotaExceededError';
  }
}
