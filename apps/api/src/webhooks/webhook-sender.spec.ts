import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../database/embedded-postgres.js';
import { postWebhook } from './webhook-sender.js';

// A real local HTTP server answering per path.
let server: Server;
let base: string;
const seen: { path: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/ok') res.writeHead(204).end();
      else if (req.url === '/moved') res.writeHead(301, { location: '/ok' }).end();
      else if (req.url === '/huge') {
        // An error answer that never ends: only its start is read.
        res.writeHead(500);
        res.write('x'.repeat(64 * 1024));
      } else if (req.url === '/slow') {
        // Never answers.
      } else res.writeHead(503).end('  busy, try later  ');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = (path: string, timeoutMs = 5000, abort = new AbortController().signal) =>
  postWebhook(
    `${base}${path}`,
    '{"a":1}',
    { 'webhook-id': 'msg_1' },
    { timeoutMs, abort, allowPrivate: true },
  );

describe('postWebhook', () => {
  it('POSTs the body as JSON with the given headers; any 2xx is success', async () => {
    expect(await post('/ok')).toEqual({ ok: true, statusCode: 204, error: '' });
    const req = seen.find((s) => s.path === '/ok')!;
    expect(req.body).toBe('{"a":1}');
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1' });
  });

  it('reports failures precisely: status and the start of the answer, redirects not followed', async () => {
    expect(await post('/busy')).toEqual({ ok: false, statusCode: 503, error: 'HTTP 503: busy, try later' });
    expect(await post('/moved')).toMatchObject({ ok: false, statusCode: 301 });
    expect(seen.filter((s) => s.path === '/ok')).toHaveLength(1);
    const huge = await post('/huge');
    expect(huge.statusCode).toBe(500);
    expect(huge.error).toBe(`HTTP 500: ${'x'.repeat(200)}`);
  });

  it('times out, notices a refused connection, and stops when aborted', async () => {
    expect(await post('/slow', 300)).toEqual({ ok: false, statusCode: 0, error: 'timed out after 300 ms' });
    const closed = await postWebhook(
      `http://127.0.0.1:${await freePort()}/`,
      '{}',
      {},
      {
        timeoutMs: 2000,
        abort: new AbortController().signal,
        allowPrivate: true,
      },
    );
    expect(closed).toMatchObject({ ok: false, statusCode: 0 });
    expect(closed.error).toMatch(/ECONNREFUSED/);
    const abort = new AbortController();
    const pending = post('/slow', 10_000, abort.signal);
    setTimeout(() => abort.abort(), 100);
    expect(await pending).toEqual({ ok: false, statusCode: 0, error: 'aborted: the API replica stopped' });
  });
});

describe('postWebhook without private addresses', () => {
  it('refuses a private IP literal and a name resolving to one, sending nothing', async () => {
    const before = seen.length;
    const opts = { timeoutMs: 2000, abort: new AbortController().signal, allowPrivate: false };
    const literal = await postWebhook(`${base}/ok`, '{}', {}, opts);
    expect(literal).toMatchObject({ ok: false, statusCode: 0 });
    expect(literal.error).toMatch(/^127\.0\.0\.1 is a private address/);
    const port = new URL(base).port;
    const named = await postWebhook(`http://localhost:${port}/ok`, '{}', {}, opts);
    expect(named).toMatchObject({ ok: false, statusCode: 0 });
    expect(named.error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a private address/);
    expect(seen.length).toBe(before);
  });
});
