import { Metadata, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import {
  BadRequest,
  type BadRequest_FieldViolation,
  QuotaFailure,
  type QuotaFailure_Violation,
} from './gen/google/rpc/error_details.js';
import { Status } from './gen/google/rpc/status.js';

/** Trailer key that carries a serialized google.rpc.Status (gRPC's rich error model). */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';
const QUOTA_FAILURE_TYPE_URL = 'type.googleapis.com/google.rpc.QuotaFailure';

/** A field violation as plain data (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * Builds the error object a grpc-js handler passes to its callback (or a stream's `destroy`): code,
 * message, and trailing metadata with a google.rpc.Status whose details hold one BadRequest.
 */
export function badRequestError(
  violations: FieldViolation[],
  code: GrpcStatus = GrpcStatus.INVALID_ARGUMENT,
  message = summarize(violations),
): Partial<ServiceError> & { code: GrpcStatus; details: string; message: string; metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusWithBadRequest(code, message, violations)));
  return { code, details: message, message, metadata };
}

/** Serialized google.rpc.Status carrying a BadRequest detail. */
export function statusWithBadRequest(
  code: number,
  message: string,
  violations: FieldViolation[],
): Uint8Array {
  const fieldViolations: BadRequest_FieldViolation[] = violations.map((v) => ({
    field: v.field,
    description: v.description,
    reason: '',
  }));
  const badRequest = BadRequest.encode(BadRequest.fromPartial({ fieldViolations })).finish();
  return Status.encode(
    Status.fromPartial({
      code,
      message,
      details: [{ typeUrl: BAD_REQUEST_TYPE_URL, value: Buffer.from(badRequest) }],
    }),
  ).finish();
}

/**
 * Reads the BadRequest field violations from a grpc-js error (or its metadata); empty when the error
 * carries none.
 */
export function parseBadRequest(source: { metadata?: Metadata } | Metadata | undefined): FieldViolation[] {
  const metadata = source instanceof Metadata ? source : source?.metadata;
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === 'string') return [];
  const status = Status.decode(raw);
  const out: FieldViolation[] = [];
  for (const detail of status.details) {
    if (detail.typeUrl !== BAD_REQUEST_TYPE_URL) continue;
    for (const v of BadRequest.decode(detail.value).fieldViolations) {
      out.push({ field: v.field, description: v.description });
    }
  }
  return out;
}

/** A quota that a request would exceed (google.rpc.QuotaFailure.Violation). */
export type QuotaViolation = QuotaFailure_Violation;

/** The error object for RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure naming the quota. */
export function quotaFailureError(
  violation: QuotaViolation,
  message = violation.description,
): Partial<ServiceError> & { code: GrpcStatus; details: string; message: string; metadata: Metadata } {
  const code = GrpcStatus.RESOURCE_EXHAUSTED;
  const detail = QuotaFailure.encode(QuotaFailure.fromPartial({ violations: [violation] })).finish();
  const metadata = new Metadata();
  metadata.set(
    STATUS_DETAILS_KEY,
    Buffer.from(
      Status.encode(
        Status.fromPartial({
          code,
          message,
          details: [{ typeUrl: QUOTA_FAILURE_TYPE_URL, value: Buffer.from(detail) }],
        }),
      ).finish(),
    ),
  );
  return { code, details: message, message, metadata };
}

/** Reads the QuotaFailure violations from a grpc-js error (or its metadata); empty when it carries none. */
export function parseQuotaFailure(source: { metadata?: Metadata } | Metadata | undefined): QuotaViolation[] {
  const metadata = source instanceof Metadata ? source : source?.metadata;
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === 'string') return [];
  return Status.decode(raw)
    .details.filter((d) => d.typeUrl === QUOTA_FAILURE_TYPE_URL)
    .flatMap((d) => QuotaFailure.decode(d.value).violations);
}

function summarize(violations: FieldViolation[]): string {
  const first = violations[0];
  if (first === undefined) return 'invalid argument';
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return `${first.field}: ${first.description}${more}`;
}
