import {
  credentials,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { AdminServiceClient, FineTuningServiceClient, WebhookServiceClient } from '@aepo/contracts';
import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../output/cli-error.js';

/** How to reach the API (resolved from flags, environment and the config file). */
export interface Connection {
  endpoint: string;
  apiKey?: string | undefined;
  adminToken?: string | undefined;
  /** PEM file of the CA that signed the API's certificate (https:// endpoints; default: system CAs). */
  caFile?: string | undefined;
  /** Deadline of each unary call in seconds. */
  timeoutSeconds?: number;
}

/**
 * `https://host:port` uses TLS, verifying the server against `caFile` (else the system CAs);
 * `host:port`, `http://host:port` and `unix:` targets are plaintext, and take no CA.
 */
export function parseEndpoint(
  endpoint: string,
  caFile?: string,
): { target: string; creds: ChannelCredentials; tls: boolean } {
  const trimmed = endpoint.trim();
  if (trimmed.startsWith('https://')) {
    const target = trimmed.slice('https://'.length).replace(/\/$/, '');
    return { target, creds: credentials.createSsl(caFile ? readCa(caFile) : null), tls: true };
  }
  if (caFile)
    throw new CliError(
      `a CA file (${caFile}) is set but the endpoint ${trimmed} is plaintext: use https://host:port for TLS`,
      ExitCode.USAGE,
    );
  const target = trimmed.startsWith('http://') ? trimmed.slice('http://'.length).replace(/\/$/, '') : trimmed;
  return { target, creds: credentials.createInsecure(), tls: false };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read the CA file ${file}: ${(err as Error).message}`, ExitCode.USAGE);
  }
}

/** Local targets, where plaintext is the normal case (aepo serve, the demo). */
function isLoopback(target: string): boolean {
  return /^(unix:|localhost(:|$)|127\.|\[::1\](:|$)|::1$)/.test(target);
}

function bearer(secret: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${secret}`);
  return md;
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** A small wrapper over the generated clients: bearer metadata, deadlines, promises. */
export class ApiClient {
  readonly ft: FineTuningServiceClient;
  readonly admin: AdminServiceClient;
  readonly webhooks: WebhookServiceClient;
  private readonly timeoutMs: number;

  constructor(private readonly conn: Connection) {
    const { target, creds, tls } = parseEndpoint(conn.endpoint, conn.caFile);
    if (!tls && !isLoopback(target))
      process.stderr.write(
        `warning: ${target} is reached in plaintext (the API key crosses the network unencrypted); ` +
          'use https://host:port\n',
      );
    this.ft = new FineTuningServiceClient(target, creds);
    this.admin = new AdminServiceClient(target, creds, { channelOverride: this.ft.getChannel() });
    this.webhooks = new WebhookServiceClient(target, creds, { channelOverride: this.ft.getChannel() });
    this.timeoutMs = (conn.timeoutSeconds ?? 30) * 1000;
  }

  /** Metadata for the public API; fails before any network call when no key is configured. */
  projectMetadata(): Metadata {
    if (!this.conn.apiKey)
      throw new CliError(
        'no API key: run `aepo config set --api-key <key>`, set AEPO_API_KEY or pass --api-key',
        ExitCode.USAGE,
      );
    return bearer(this.conn.apiKey);
  }

  adminMetadata(): Metadata {
    if (!this.conn.adminToken)
      throw new CliError(
        'no admin token: run `aepo config set --admin-token <token>`, set AEPO_ADMIN_TOKEN or pass --admin-token',
        ExitCode.USAGE,
      );
    return bearer(this.conn.adminToken);
  }

  /** Calls a unary method of the public API. */
  call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return this.invoke(this.ft, method, req, this.projectMetadata());
  }

  /** Calls a unary method of the webhook API (project-scoped, like the public API). */
  callWebhooks<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return this.invoke(this.webhooks, method, req, this.projectMetadata());
  }

  /** Calls a unary method of the admin API. */
  callAdmin<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return this.invoke(this.admin, method, req, this.adminMetadata());
  }

  private invoke<Req, Res>(self: object, method: Unary<Req, Res>, req: Req, md: Metadata): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(self, req, md, { deadline: Date.now() + this.timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  }

  /** Reads a server stream to its end, calling `onMessage` for each message. */
  follow<T>(stream: ClientReadableStream<T>, onMessage: (msg: T) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      stream.on('data', onMessage);
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
  }

  close(): void {
    this.ft.close();
    this.admin.close();
    this.webhooks.close();
  }
}

/** Fetches every page of a paged list call. */
export async function allPages<T>(
  fetchPage: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.nextPageToken;
  } while (token !== '');
  return out;
}
