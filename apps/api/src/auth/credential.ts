import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';

/** The credential a gRPC service accepts: a project API key, the admin token or the executor token. */
export enum CredentialKind {
  API_KEY = 'api_key',
  ADMIN = 'admin',
  EXECUTOR = 'executor',
}

export const CREDENTIAL_KIND = 'aepo:credential-kind';

/**
 * Declares, on a controller or one of its handlers (the handler wins), which credential its calls
 * must present. AuthGuard refuses a handler that declares none, so a new controller fails closed.
 */
export const RequireCredential = (kind: CredentialKind) => SetMetadata(CREDENTIAL_KIND, kind);

/** The request metadata of a gRPC call, in any handler shape Nest gives a guard or a decorator. */
export function callMetadata(context: ExecutionContext): Metadata {
  // Unary and server-streaming handlers get (request, metadata, call); client-streaming
  // (@GrpcStreamCall) handlers get (call, callback) and the metadata sits on the call.
  const second: unknown = context.getArgByIndex(1);
  if (second instanceof Metadata) return second;
  const first = context.getArgByIndex<{ metadata?: unknown } | undefined>(0);
  return first?.metadata instanceof Metadata ? first.metadata : new Metadata();
}

/** Projects resolved by AuthGuard, keyed by the call's metadata object (one per call). */
const callerProjects = new WeakMap<Metadata, string>();

export function rememberCallerProject(metadata: Metadata, projectId: string): void {
  callerProjects.set(metadata, projectId);
}

/** The project id of the API key that authenticated this call (handlers declared API_KEY only). */
export function callerProjectOf(context: ExecutionContext): string {
  const projectId = callerProjects.get(callMetadata(context));
  // A handler reading the project without AuthGuard having run is a programming error, not a 401.
  if (projectId === undefined) throw new Error('CallerProject read on a call AuthGuard did not authenticate');
  return projectId;
}

/** Handler parameter: the caller's project id, resolved from its API key by AuthGuard. */
export const CallerProject = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  callerProjectOf(context),
);
