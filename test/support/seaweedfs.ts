/**
 * A real S3-compatible server for tests: SeaweedFS's `weed mini` (master, volume, filer and S3 gateway
 * in one process), installed once by test/tools/install-seaweedfs.sh (`go build` from the Go module
 * proxy, cached in .cache/tools/bin and Go's build cache), on free loopback ports with its own data
 * folder and an access key checked on every request (so presigned URLs are really verified).
 * stop() and start() again keep the data: tests use that for an outage in the middle of a job.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { OBJECT_STORE_ENV, ObjectStore, type ObjectStoreConfig } from '@aepo/artifacts';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Proc, REPO_ROOT, WaitAbort, waitFor } from './executor-processes.js';

const ACCESS_KEY = 'aepo-test-access-key';
const SECRET_KEY = 'aepo-test-secret-key-0123456789';

/**
 * Time a beforeAll that starts the server may take: the first build of `weed` compiles about 1,700 Go
 * packages (over 30 minutes on 2 busy cores); with Go's build cache it only links (about 30 s).
 */
export const INSTALL_TIMEOUT_MS = 3_600_000;

/** Installs `weed` (a no-op once built); answers its path. */
export async function installSeaweedfs(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['test/tools/install-seaweedfs.sh'], {
    cwd: REPO_ROOT,
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').pop()!;
}

/** A free port p with p + 10000 free too (SeaweedFS's habit for gRPC ports), below 55536. */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(p) || !(await portFree(p))) continue;
    taken.add(p);
    return p;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export class S3TestServer {
  private proc: Proc | null = null;
  readonly endpoint: string;

  private constructor(
    private readonly weed: string,
    readonly dataDir: string,
    readonly bucket: string,
    private readonly ports: Record<string, number>,
  ) {
    this.endpoint = `http://127.0.0.1:${ports.s3}`;
  }

  /** Installs SeaweedFS if needed, starts it on free ports under `dataDir`, creates `bucket`. */
  static async start(dataDir: string, bucket = 'aepo-test'): Promise<S3TestServer> {
    const weed = await installSeaweedfs();
    const taken = new Set<number>();
    const ports: Record<string, number> = {};
    for (const name of ['master', 'masterGrpc', 'volume', 'volumeGrpc', 'filer', 'filerGrpc', 's3', 's3Grpc'])
      ports[name] = await freeLowPort(taken);
    const server = new S3TestServer(weed, dataDir, bucket, ports);
    await server.start();
    return server;
  }

  /** The object store settings of this server, as the API and executor read them. */
  config(prefix = ''): ObjectStoreConfig {
    return {
      bucket: this.bucket,
      prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      forcePathStyle: true,
    };
  }

  /** AEPO_ARTIFACTS_S3_* for a process that should use this server. */
  env(prefix = ''): Record<string, string> {
    return {
      [OBJECT_STORE_ENV.bucket]: this.bucket,
      [OBJECT_STORE_ENV.endpoint]: this.endpoint,
      [OBJECT_STORE_ENV.region]: 'us-east-1',
      [OBJECT_STORE_ENV.accessKeyId]: ACCESS_KEY,
      [OBJECT_STORE_ENV.secretAccessKey]: SECRET_KEY,
      ...(prefix ? { [OBJECT_STORE_ENV.prefix]: prefix } : {}),
    };
  }

  /** A client of the bucket, for tests to look inside (close it when done). */
  store(prefix = '', partBytes?: number): ObjectStore {
    return new ObjectStore(this.config(prefix), partBytes);
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Starts (or restarts, same ports and data) the server; resolves once the bucket answers. */
  async start(): Promise<void> {
    if (this.running) return;
    mkdirSync(this.dataDir, { recursive: true });
    const identities = path.join(this.dataDir, 's3-identities.json');
    writeFileSync(
      identities,
      JSON.stringify({
        identities: [
          {
            name: 'aepo-test',
            credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
            actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
          },
        ],
      }),
    );
    const p = this.ports;
    const args = [
      'mini',
      `-dir=${this.dataDir}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${p.master}`,
      `-master.port.grpc=${p.masterGrpc}`,
      `-volume.port=${p.volume}`,
      `-volume.port.grpc=${p.volumeGrpc}`,
      `-filer.port=${p.filer}`,
      `-filer.port.grpc=${p.filerGrpc}`,
      `-s3.port=${p.s3}`,
      `-s3.port.grpc=${p.s3Grpc}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-s3.config=${identities}`,
      '-webdav=false',
      '-admin.ui=false',
      '-master.telemetry=false',
      '-master.volumeSizeLimitMB=64',
    ];
    const child = spawn(this.weed, args, { cwd: this.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new Proc('seaweedfs', child);
    this.proc = proc;
    const s3 = new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      maxAttempts: 1,
    });
    try {
      await waitFor(
        'SeaweedFS to serve S3',
        async () => {
          if (!proc.running) throw new WaitAbort(`weed exited:\n${proc.tail()}`);
          try {
            await s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
          } catch (e) {
            if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw e;
            await s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
          }
          return true;
        },
        180_000,
        250,
      );
    } catch (e) {
      proc.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${proc.tail()}`, { cause: e });
    } finally {
      s3.destroy();
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL); its data stays for the next start(). */
  async stop(): Promise<void> {
    await this.proc?.stop(15_000);
    this.proc = null;
  }

  tail(n = 40): string {
    return this.proc?.tail(n) ?? '';
  }
}
