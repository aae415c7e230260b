/** The executor's HTTP port: Prometheus `/metrics`, liveness `/healthz`, readiness `/readyz`. */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Liveness: false only when the process is wedged and should be restarted. */
  live(): boolean;
  /** Readiness: null when ready, else the reason. */
  notReady(): string | null;
}

export class HealthServer {
  private server: Server | null = null;

  constructor(
    private readonly registry: Registry,
    private readonly checks: HealthChecks,
  ) {}

  /** Listens on host:port (port 0 picks a free one); resolves with the bound `http://host:port`. */
  async listen(address: string): Promise<string> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i);
    const port = Number(address.slice(i + 1));
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (path === '/metrics') {
        this.registry
          .metrics()
          .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
          .catch((e: unknown) => res.writeHead(500).end(String(e)));
      } else if (path === '/healthz') {
        const ok = this.checks.live();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
      } else if (path === '/readyz') {
        const reason = this.checks.notReady();
        res
          .writeHead(reason === null ? 200 : 503, { 'content-type': 'text/plain' })
          .end(reason === null ? 'ready\n' : `not ready: ${reason}\n`);
      } else {
        res.writeHead(404).end();
      }
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const bound = server.address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shownHost}:${bound.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
