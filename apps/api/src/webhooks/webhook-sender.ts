import http from 'node:http';
import https from 'node:https';
import { ipLiteralOf, isPrivateAddress, publicOnlyLookup } from './webhook-address.guard.js';

/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  /** 2xx. */
  ok: boolean;
  /** HTTP status; 0 when no answer came (timeout, connection refused, blocked address, ...). */
  statusCode: number;
  /** Why it failed, for the delivery log; empty on success. */
  error: string;
}

export interface SendOptions {
  /** Bounds the whole attempt: connect, send, the answer's status and the start of an error body. */
  timeoutMs: number;
  /** Ends the attempt early (the replica is stopping). */
  abort: AbortSignal;
  /** Allow loopback, private and link-local addresses (off: refused, against SSRF). */
  allowPrivate: boolean;
}

const USER_AGENT = 'aepo-webhooks/1';
/** How much of an error answer's body goes into the delivery log. */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs one webhook. Redirects are not followed (a 3xx is a failed attempt: the endpoint's URL must be
 * the final one), and with `allowPrivate` off no private address is connected to, whether the URL
 * names it or a DNS name resolves to it.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<AttemptOutcome> {
  const target = new URL(url);
  const literal = ipLiteralOf(target);
  if (!options.allowPrivate && literal !== undefined && isPrivateAddress(literal))
    return failed(`${literal} is a private address (AEPO_API_WEBHOOK_ALLOW_PRIVATE=true allows it)`);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.abort, timeout]);
  try {
    return await exchange(target, body, headers, signal, options.allowPrivate);
  } catch (err) {
    if (timeout.aborted) return failed(`timed out after ${options.timeoutMs} ms`);
    if (options.abort.aborted) return failed('aborted: the API replica stopped');
    return failed((err as Error).message);
  }
}

function failed(error: string): AttemptOutcome {
  return { ok: false, statusCode: 0, error };
}

/** One request and the start of its answer; rejects on connection errors and on `signal`. */
function exchange(
  target: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  allowPrivate: boolean,
): Promise<AttemptOutcome> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': USER_AGENT,
          ...headers,
        },
        signal,
        ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.destroy();
          return resolve({ ok: true, statusCode: status, error: '' });
        }
        // Only the start of an error answer is read, whatever its size.
        let text = '';
        res.setEncoding('utf8');
        const done = () => {
          res.destroy();
          const start = text.slice(0, ERROR_BODY_CHARS).trim();
          resolve({ ok: false, statusCode: status, error: `HTTP ${status}${start ? `: ${start}` : ''}` });
        };
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length >= ERROR_BODY_CHARS) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
