import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';

export interface HttpEndpoints {
  /** Resolves when the database answers. */
  ready(): Promise<void>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** Plain node:http server for /healthz (process up), /readyz (database reachable) and /metrics. */
export function createHttpServer(endpoints: HttpEndpoints, logger: Logger): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}\n');
    if (path === '/readyz') {
      endpoints
        .ready()
        .then(() => send(200, 'application/json', '{"status":"ready"}\n'))
        .catch((err: unknown) => {
          logger.warn({ err }, 'readiness check failed');
          send(
            503,
            'application/json',
            JSON.stringify({ status: 'unavailable', reason: 'database unreachable' }) + '\n',
          );
        });
      return;
    }
    if (path === '/metrics') {
      endpoints
        .metrics()
        .then((m) => send(200, m.contentType, m.body))
        .catch((err: unknown) => {
          logger.error({ err }, 'metrics collection failed');
          send(500, 'text/plain', 'metrics unavailable\n');
        });
      return;
    }
    send(404, 'text/plain', 'not found\n');
  });
}
