import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it, with its own verdict on the signature. */
export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: number;
  body: string;
  /** The signature checked out against the path's secret (computed here, independently). */
  validSignature: boolean;
  /** What the receiver answered (0: held without an answer). */
  answered: number;
}

/** How to answer: a status code, or 'hold' (never answer; the sender must time out or abort). */
export type Answer = number | 'hold';

/**
 * A real HTTP server on 127.0.0.1 standing in for a customer's endpoint: verifies every request's
 * Standard Webhooks signature with the secret registered for its path, records it, and answers as
 * the test tells it (per path; by default 200).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly answers = new Map<string, (seen: number) => Answer>();
  private readonly held = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private server: Server | undefined;
  private base = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Registers the secret of the endpoint at `path`. */
  secret(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** How `path` answers; `seen` is how many times this webhook-id has arrived (1 the first time). */
  answer(path: string, fn: (seen: number) => Answer): void {
    this.answers.set(path, fn);
  }

  on(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves once `done` holds for what was received (checked on every request). */
  until(done: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`receiver: condition not met after ${timeoutMs} ms (${this.received.length} received)`),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const id = String(req.headers['webhook-id'] ?? '');
    const timestamp = Number(req.headers['webhook-timestamp']);
    const signature = String(req.headers['webhook-signature'] ?? '');
    const seen = this.received.filter((r) => r.path === path && r.id === id).length + 1;
    const answer = (this.answers.get(path) ?? (() => 200))(seen);
    this.received.push({
      path,
      id,
      timestamp,
      body,
      validSignature: this.verify(path, id, timestamp, body, signature),
      answered: answer === 'hold' ? 0 : answer,
    });
    if (answer === 'hold') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
    } else res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Any `v1,` entry of the header matches, and the timestamp is within 5 minutes of now. */
  private verify(path: string, id: string, timestamp: number, body: string, header: string): boolean {
    const secret = this.secrets.get(path);
    if (!secret || !Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300)
      return false;
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
    return header.split(' ').some((entry) => {
      const [version, sig] = entry.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
  }
}
