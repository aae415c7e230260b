import { status } from '@grpc/grpc-js';

/**
 * An error that no retry can fix (bad model, a dataset that cannot be graded, a spec the trainer
 * rejects, a step that kept failing): the job fails with `code` (a google.rpc.Code) and the message.
 */
export class JobFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}

/** gRPC codes of an engine call that mean the request itself is wrong (retrying cannot help). */
const PERMANENT_ENGINE_CODES = new Set<number>([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
  status.UNIMPLEMENTED,
  status.OUT_OF_RANGE,
]);

export function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isPermanentEngineError(e: unknown): boolean {
  const code = grpcCode(e);
  return code !== undefined && PERMANENT_ENGINE_CODES.has(code);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return (e as { details?: string }).details || e.message;
  return String(e);
}
