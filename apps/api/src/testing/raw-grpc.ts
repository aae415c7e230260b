import { Client, credentials, type Metadata, type ServiceError } from '@grpc/grpc-js';

/**
 * Hand-made protobuf wire bytes and calls that send them as they are: the generated clients refuse
 * values a hostile client can still put on the wire (int64 beyond 2^53, for one).
 */
export const wire = {
  /** A varint field; negative values are encoded as 64-bit two's complement, as int64 is. */
  varint(field: number, value: bigint): Buffer {
    return Buffer.concat([encodeVarint(BigInt(field << 3)), encodeVarint(BigInt.asUintN(64, value))]);
  },
  /** A length-delimited field (a string or an embedded message). */
  bytes(field: number, body: Buffer | string): Buffer {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    return Buffer.concat([encodeVarint(BigInt((field << 3) | 2)), encodeVarint(BigInt(b.length)), b]);
  },
};

function encodeVarint(v: bigint): Buffer {
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const identity = (b: Buffer): Buffer => b;

/** Calls a unary method (`/pkg.Service/Method`) with raw request bytes; resolves to the error or null. */
export function rawUnary(
  address: string,
  method: string,
  body: Buffer,
  md: Metadata,
): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(method, identity, identity, body, md, (err) => {
      client.close();
      resolve(err);
    });
  });
}

/** Opens a server stream with raw request bytes; resolves to its closing error (null when it ended OK). */
export function rawServerStream(
  address: string,
  method: string,
  body: Buffer,
  md: Metadata,
): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    const stream = client.makeServerStreamRequest(method, identity, identity, body, md);
    const done = (err: ServiceError | null) => {
      stream.cancel();
      client.close();
      resolve(err);
    };
    stream.on('data', () => undefined);
    stream.on('error', (err: ServiceError) => done(err));
    stream.on('end', () => done(null));
  });
}
