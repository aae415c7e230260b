import path from 'node:path';
import {
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerInterceptingCall,
} from '@grpc/grpc-js';
import { badRequestError, type FieldViolation } from '@aepo/contracts';
import protobuf from 'protobufjs';

/**
 * A request that could not be decoded. The generated decoders throw on bytes a hostile client can
 * send (an int64 beyond 2^53 for one), which grpc-js answers INTERNAL; the guarded deserializer hands
 * this value on instead and `rejectUndecodable` answers it INVALID_ARGUMENT, naming the field.
 */
export class UndecodableRequest {
  constructor(
    readonly message: string,
    readonly violations: FieldViolation[],
  ) {}
}

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Message types of the request of each method, by full path (`/pkg.Service/Method`). */
export class RequestTypes {
  private readonly root: protobuf.Root;

  constructor(protoRoot: string, files: string[]) {
    this.root = new protobuf.Root();
    // Imports are relative to the buf module root; keepCase gives the proto (snake_case) field names.
    this.root.resolvePath = (_origin, target) => path.join(protoRoot, target);
    this.root.loadSync(files, { keepCase: true });
    this.root.resolveAll();
  }

  /** The request type of `methodPath`, or undefined for a method these files do not define. */
  forPath(methodPath: string): protobuf.Type | undefined {
    const [, service, method] = /^\/(.+)\/([^/]+)$/.exec(methodPath) ?? [];
    if (!service || !method) return undefined;
    const found = this.root.lookup(service);
    return found instanceof protobuf.Service
      ? (found.methods[method]?.resolvedRequestType ?? undefined)
      : undefined;
  }
}

/** Why `bytes` do not decode as `type`: the int64 fields out of the safe range, or the wire error. */
export function explainUndecodable(
  type: protobuf.Type | undefined,
  bytes: Buffer,
  cause: unknown,
): UndecodableRequest {
  const what = type ? type.fullName.replace(/^\./, '') : 'request';
  if (type) {
    let decoded: protobuf.Message;
    try {
      decoded = type.decode(bytes);
    } catch (err) {
      return new UndecodableRequest(`not a valid ${what} message: ${(err as Error).message}`, []);
    }
    const fields = unsafeIntegers(type, decoded as unknown as Record<string, unknown>, '');
    if (fields.length > 0) {
      const violations = fields.map((field) => ({
        field,
        description: `must be an integer in [-${MAX_SAFE}, ${MAX_SAFE}]`,
      }));
      return new UndecodableRequest(`${violations[0]!.field}: ${violations[0]!.description}`, violations);
    }
  }
  return new UndecodableRequest(
    `not a valid ${what} message: ${(cause as Error)?.message ?? String(cause)}`,
    [],
  );
}

/** Paths (snake_case, `a.b[2].c`, `m[key]`) of int64 fields whose value a JS number cannot hold. */
function unsafeIntegers(type: protobuf.Type, message: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const at = prefix ? `${prefix}.${field.name}` : field.name;
    const check = (v: unknown, p: string) => {
      if (field.resolvedType instanceof protobuf.Type) {
        out.push(...unsafeIntegers(field.resolvedType, v as Record<string, unknown>, p));
      } else if (INT64_TYPES.has(field.type) && !isSafeInteger(v)) out.push(p);
    };
    if (field.map) for (const [k, v] of Object.entries(value as object)) check(v, `${at}[${k}]`);
    else if (field.repeated) (value as unknown[]).forEach((v, i) => check(v, `${at}[${i}]`));
    else check(value, at);
  }
  return out;
}

function isSafeInteger(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v);
  // protobufjs gives a Long (or a string) for 64-bit values.
  const n = BigInt(String(v));
  return n <= MAX_SAFE && n >= -MAX_SAFE;
}

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  requestDeserialize: (bytes: Buffer) => unknown;
}

/** Wraps every method's request decoder so it answers an UndecodableRequest instead of throwing. */
export function guardDecoders<D extends Record<string, MethodDefinition>>(
  service: D,
  types: RequestTypes,
): D {
  const out: Record<string, MethodDefinition> = {};
  for (const [name, def] of Object.entries(service)) {
    const type = types.forPath(def.path);
    const decode = def.requestDeserialize;
    out[name] = {
      ...def,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (err) {
          return explainUndecodable(type, bytes, err);
        }
      },
    };
  }
  return out as D;
}

/**
 * Answers an UndecodableRequest with INVALID_ARGUMENT before any handler sees it (unary, client and
 * server streams alike); the half-close that follows it is not passed on either.
 */
export const rejectUndecodable: ServerInterceptor = (_method, call: ServerInterceptingCallInterface) => {
  let rejected = false;
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMessage: (message: unknown, nextMessage: (m: unknown) => void) => {
          if (rejected) return;
          if (message instanceof UndecodableRequest) {
            rejected = true;
            const err = badRequestError(message.violations, status.INVALID_ARGUMENT, message.message);
            call.sendStatus({ code: err.code, details: err.details, metadata: err.metadata });
            return;
          }
          nextMessage(message);
        },
        onReceiveHalfClose: (nextHalfClose: () => void) => {
          if (!rejected) nextHalfClose();
        },
      }),
  });
};
