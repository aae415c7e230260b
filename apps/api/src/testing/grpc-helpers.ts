import type { ClientReadableStream, ClientWritableStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { parseBadRequest } from '@aepo/contracts';
import {
  UploadDatasetRequest,
  type DatasetMetadata,
  type FineTuningServiceClient,
  type UploadDatasetResponse,
} from '@aepo/contracts';

/** One stream message of an upload; unset metadata fields (e.g. `parent`) take their defaults. */
export type UploadMessage = Omit<Partial<UploadDatasetRequest>, 'metadata'> & {
  metadata?: Partial<DatasetMetadata>;
};

/** Uploads by client streaming; each element of `messages` is one stream message. */
export function upload(
  client: FineTuningServiceClient,
  md: Metadata,
  messages: UploadMessage[],
): Promise<UploadDatasetResponse> {
  return new Promise((resolve, reject) => {
    const stream: ClientWritableStream<UploadDatasetRequest> = client.uploadDataset(md, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    stream.on('error', () => undefined);
    for (const m of messages) stream.write(UploadDatasetRequest.fromPartial(m));
    stream.end();
  });
}

/** `n` arithmetic rows in the tiny-task format. */
export function tinyRows(n: number): { prompt: string; answer: string; id: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const a = (i * 37) % 100;
    const b = (i * 11 + 5) % 100;
    return { prompt: `${a}+${b}=`, answer: String(a + b), id: `r${i}` };
  });
}

/** Collects a server stream until it ends (resolves) or fails (rejects with the error and what came). */
export function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  const items: T[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (d: T) => items.push(d));
    stream.on('error', (err: ServiceError) => reject(Object.assign(err, { items })));
    stream.on('end', () => resolve(items));
  });
}

/** Reads from a live stream until `until` holds for the items so far; then cancels it. */
export function readUntil<T>(
  stream: ClientReadableStream<T>,
  until: (items: T[]) => boolean,
  timeoutMs = 10_000,
): Promise<T[]> {
  const items: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error(`timed out after ${items.length} items`));
    }, timeoutMs);
    stream.on('data', (d: T) => {
      items.push(d);
      if (until(items)) {
        clearTimeout(timer);
        stream.cancel();
        resolve(items);
      }
    });
    stream.on('error', (err: ServiceError) => {
      clearTimeout(timer);
      if (err.code !== 1) reject(err);
    });
  });
}

/** The gRPC status code and BadRequest field paths of a failed call. */
export async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; fields: string[]; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, fields: parseBadRequest(e).map((v) => v.field), message: e.details };
  }
  throw new Error('expected the call to fail');
}
