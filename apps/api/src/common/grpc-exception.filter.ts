import { Catch, Inject, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { of, throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { LOGGER } from './logger.js';
import { toGrpcError, type GrpcErrorObject } from './grpc-error.mapper.js';

/**
 * Where every error a gRPC handler throws (or its stream emits) becomes a status, through the one
 * gRPC mapper: unary and server-streaming handlers (Nest writes the status), and client-streaming
 * handlers, whose status goes to their callback here since Nest has no way to send it.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    const status = isGrpcError(exception)
      ? exception
      : toGrpcError(exception, this.logger, { context: host.getType() });
    const [call, callback] = host.getArgs<unknown[]>();
    if (typeof callback === 'function') {
      // A client-streaming call: answer it, stop reading, and end the handler without an error.
      (callback as (err: GrpcErrorObject) => void)(status);
      (call as { destroy?: () => void }).destroy?.();
      return of(undefined);
    }
    return throwError(() => status);
  }
}

/** Already a gRPC status (e.g. one a stream was ended with). */
export function isGrpcError(e: unknown): e is GrpcErrorObject {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'number' &&
    (e as { metadata?: unknown }).metadata instanceof Metadata
  );
}
