import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { parseBadRequest } from '@aepo/contracts';

/**
 * Exit codes: scripts can tell a usage mistake from a server answer, and read the gRPC status back as
 * `code - 10` (NOT_FOUND 5 -> 15, INVALID_ARGUMENT 3 -> 13, UNAUTHENTICATED 16 -> 26, UNAVAILABLE 14 -> 24).
 */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  /** `watch`: the job did not succeed; `wait`: the job FAILED. */
  JOB_NOT_SUCCEEDED: 3,
  /** `wait`: the job was CANCELLED. */
  JOB_CANCELLED: 4,
  /** `wait --max-wait`: the job was still running when the time ran out. */
  WAIT_TIMEOUT: 5,
  GRPC_BASE: 10,
} as const;

/** An error the CLI reports as one line and an exit code (never a stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.INTERNAL,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    'details' in err &&
    'metadata' in err
  );
}

/** `NOT_FOUND`, `INVALID_ARGUMENT`, … for a numeric gRPC status. */
export function statusName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

/**
 * One line: the status name, then the field violations (`field: description`, `; `-separated) when
 * the server sent a google.rpc.BadRequest, else the server's message.
 */
export function fromServiceError(err: ServiceError): CliError {
  const violations = parseBadRequest(err);
  const detail =
    violations.length > 0
      ? violations.map((v) => `${v.field}: ${v.description}`).join('; ')
      : err.details || err.message;
  return new CliError(`${statusName(err.code)}: ${oneLine(detail)}`, ExitCode.GRPC_BASE + err.code);
}

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isServiceError(err)) return fromServiceError(err);
  const message =
    err instanceof Error
      ? err.message
      : err === undefined || err === null
        ? `an unknown error (no reason given: ${String(err)})`
        : String(err);
  return new CliError(oneLine(message), ExitCode.INTERNAL);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
