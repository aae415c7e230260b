/**
 * The few S3 operations the service needs, over @aws-sdk/client-s3: upload and download files,
 * small JSON documents, listing and deleting under a prefix, presigned GET URLs. Keys passed in are
 * relative to the configured prefix; URIs (`s3://bucket/full/key`) are what records store.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStoreConfig } from './config.js';

/** S3's smallest multipart part; files up to one part go in a single PUT. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export class ObjectStore {
  private readonly s3: S3Client;

  /**
   * `partBytes`: files larger than this are uploaded in parts of this size (multipart), so that a
   * weights file over S3's 5 GiB single-PUT limit still goes up; 64 MiB parts reach 625 GiB.
   */
  constructor(
    readonly config: ObjectStoreConfig,
    private readonly partBytes = 64 * 1024 * 1024,
  ) {
    if (partBytes < MIN_PART_BYTES) throw new Error(`parts must be at least ${MIN_PART_BYTES} bytes`);
    this.s3 = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // Callers retry with their own (longer, bounded) backoff; the SDK's quick retries only add noise.
      maxAttempts: 2,
      // Our own manifest carries every file's sha256; the SDK's default CRC trailers (aws-chunked
      // uploads) are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  /** `s3://bucket/<prefix><key>`. */
  uri(key: string): string {
    return `s3://${this.config.bucket}/${this.config.prefix}${key}`;
  }

  /** The key (relative to the prefix) of a URI of this store, or null for any other URI. */
  keyOf(uri: string): string | null {
    const head = `s3://${this.config.bucket}/${this.config.prefix}`;
    return uri.startsWith(head) ? uri.slice(head.length) : null;
  }

  private full(key: string): string {
    return this.config.prefix + key;
  }

  async putFile(key: string, path: string): Promise<void> {
    const { size } = await stat(path);
    if (size <= this.partBytes) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.full(key),
          Body: createReadStream(path),
          ContentLength: size,
        }),
      );
      return;
    }
    // Upload aborts the multipart upload when a part fails, so an outage leaves no parts behind.
    await new Upload({
      client: this.s3,
      params: { Bucket: this.config.bucket, Key: this.full(key), Body: createReadStream(path) },
      partSize: this.partBytes,
      queueSize: 2,
      leavePartsOnError: false,
    }).done();
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.full(key),
        Body: JSON.stringify(value, null, 1),
        ContentType: 'application/json',
      }),
    );
  }

  /** The parsed JSON document at `key`, or null when there is none. */
  async getJson(key: string): Promise<unknown> {
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.full(key) }),
      );
      return JSON.parse(await res.Body!.transformToString('utf8')) as unknown;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async downloadFile(key: string, path: string): Promise<void> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.full(key) }));
    await pipeline(res.Body as Readable, createWriteStream(path));
  }

  /** Every key (relative to the prefix) under `keyPrefix`. */
  async list(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: this.full(keyPrefix),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.config.prefix.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.full(key) }));
  }

  /** A GET URL for `key` that works without credentials for `ttlSeconds`. */
  async presignGet(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.config.bucket, Key: this.full(key) }), {
      expiresIn: ttlSeconds,
    });
  }

  close(): void {
    this.s3.destroy();
  }
}

export function isNotFound(e: unknown): boolean {
  return (
    e instanceof S3ServiceException &&
    (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404)
  );
}

/**
 * Whether a failed call is worth retrying: the store did not answer (connection refused or reset,
 * timeout), answered 5xx, or throttled (429/503). A 4xx (no such bucket, access denied) is a
 * configuration problem that waiting does not fix.
 */
export function isTransientStoreError(e: unknown): boolean {
  if (e instanceof S3ServiceException) {
    const code = e.$metadata.httpStatusCode;
    return code === undefined || code >= 500 || code === 429 || code === 408;
  }
  return true;
}
