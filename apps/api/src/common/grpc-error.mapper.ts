import { Metadata, status } from '@grpc/grpc-js';
import { badRequestError, quotaFailureError } from '@aepo/contracts';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode, QuotaExceededError } from './api-error.js';
import { classifyDatabaseError, type DatabaseFailure } from './database-error.js';

/** The error object grpc-js sends as a status (code, details, trailing metadata). */
export interface GrpcErrorObject {
  code: status;
  details: string;
  message: string;
  metadata: Metadata;
}

function plain(code: status, message: string): GrpcErrorObject {
  return { code, details: message, message, metadata: new Metadata() };
}

/**
 * The gRPC transport's one error mapper: any thrown value (ApiError, pg/TypeORM error, anything else)
 * becomes a status with its details (google.rpc.BadRequest, QuotaFailure); unknown errors are logged
 * and answered INTERNAL. Used by GrpcExceptionFilter, the only place handlers' errors meet it.
 */
export function toGrpcError(err: unknown, logger: Logger, context: Record<string, unknown>): GrpcErrorObject {
  if (err instanceof ApiError) {
    switch (err.code) {
      case ApiErrorCode.INVALID_INPUT:
        return badRequestError(err.violations, status.INVALID_ARGUMENT, err.message);
      case ApiErrorCode.LIMIT_EXCEEDED:
        return badRequestError(err.violations, status.RESOURCE_EXHAUSTED, err.message);
      case ApiErrorCode.QUOTA_EXCEEDED:
        return err instanceof QuotaExceededError
          ? quotaFailureError(err.quota, err.message)
          : plain(status.RESOURCE_EXHAUSTED, err.message);
      case ApiErrorCode.NOT_FOUND:
        return err.violations.length > 0
          ? badRequestError(err.violations, status.NOT_FOUND, err.message)
          : plain(status.NOT_FOUND, err.message);
      case ApiErrorCode.ALREADY_EXISTS:
        return badRequestError(err.violations, status.ALREADY_EXISTS, err.message);
      case ApiErrorCode.ILLEGAL_TRANSITION:
      case ApiErrorCode.IN_USE:
        return plain(status.FAILED_PRECONDITION, err.message);
      case ApiErrorCode.UNAUTHENTICATED:
        return plain(status.UNAUTHENTICATED, err.message);
      case ApiErrorCode.LEASE_LOST:
        return plain(status.ABORTED, err.message);
      case ApiErrorCode.SHUTTING_DOWN:
        return plain(status.UNAVAILABLE, err.message);
      case ApiErrorCode.NOT_CONFIGURED:
        return plain(status.FAILED_PRECONDITION, err.message);
      case ApiErrorCode.DEPENDENCY_UNAVAILABLE:
        return plain(status.UNAVAILABLE, err.message);
      default: {
        const unreachable: never = err.code;
        throw new Error(`unmapped error code ${String(unreachable)}`);
      }
    }
  }
  const failure = classifyDatabaseError(err);
  if (failure !== undefined) {
    logger.warn({ err, ...context }, `database error: ${failure}`);
    const [code, message] = DATABASE_STATUS[failure];
    return plain(code, message);
  }
  logger.error({ err, ...context }, 'unexpected error');
  return plain(status.INTERNAL, 'internal error');
}

// Messages say what the caller can do; the SQL error itself (table and constraint names) stays in the log.
const DATABASE_STATUS: Record<DatabaseFailure, [status, string]> = {
  unavailable: [status.UNAVAILABLE, 'database unavailable, retry later'],
  conflict: [status.ABORTED, 'concurrent update conflict, retry the call'],
  timeout: [status.DEADLINE_EXCEEDED, 'database statement timed out'],
  duplicate: [status.ALREADY_EXISTS, 'the resource already exists'],
  not_found: [status.NOT_FOUND, 'not found'],
};
