import { Catch, Inject, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { LOGGER } from './logger.js';
import { toGrpcError } from './grpc-error.mapper.js';

/** The one place where thrown errors become gRPC statuses (unary handlers and stream errors). */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (isGrpcError(exception)) return throwError(() => exception);
    return throwError(() => toGrpcError(exception, this.logger, { context: host.getType() }));
  }
}

/** Already mapped (e.g. by a stream that maps its own errors). */
export function isGrpcError(e: unknown): boolean {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'number' &&
    (e as { metadata?: unknown }).metadata instanceof Metadata
  );
}
