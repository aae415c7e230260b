import {
  credentials,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { AdminServiceClient, FineTuningServiceClient } from '@aepo/contracts';
import { CliError, ExitCode } from '../output/cli-error.js';

/** How to reach the API (resolved from flags, environment and the config file). */
export interface Connection {
  endpoint: string;
  apiKey?: string | undefined;
  adminToken?: string | undefined;
  /** Deadline of each unary call in seconds. */
  timeoutSeconds?: number;
}

/** `https://host:port` uses TLS; `host:port`, `http://host:port` and `unix:` targets are plaintext. */
export function parseEndpoint(endpoint: string): { target: string; creds: ChannelCredentials } {
  const trimmed = endpoint.trim();
  if (trimmed.startsWith('https://'))
    return { target: trimmed.slice('https://'.length).replace(/\/$/, ''), creds: credentials.createSsl() };
  const target = trimmed.startsWith('http://') ? trimmed.slice('http://'.length).replace(/\/$/, '') : trimmed;
  return { target, creds: credentials.createInsecure() };
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
  private readonly timeoutMs: number;

  constructor(private readonly conn: Connection) {
    const { target, creds } = parseEndpoint(conn.endpoint);
    this.ft = new FineTuningServiceClient(target, creds);
    this.admin = new AdminServiceClient(target, creds, { channelOverride: this.ft.getChannel() });
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
