import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';

type ServerSurfaceCall = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline'>;

/** The deadline of a call in epoch ms (Infinity when the client set none). */
export function callDeadline(call: ServerSurfaceCall | undefined): number {
  const d = call?.getDeadline();
  if (d === undefined) return Infinity;
  return d instanceof Date ? d.getTime() : d;
}

export type { Metadata };
