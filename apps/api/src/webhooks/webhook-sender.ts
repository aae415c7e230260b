/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  /** 2xx. */
  ok: boolean;
  /** HTTP status; 0 when no answer came (timeout, connection refused, ...). */
  statusCode: number;
  /** Why it failed, for the delivery log; empty on success. */
  error: string;
}

const USER_AGENT = 'aepo-webhooks/1';
/** How much of an error answer's body goes into the delivery log. */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs one webhook. Redirects are not followed (a 3xx is a failed attempt: the endpoint's URL must
 * be the final one). `timeoutMs` bounds the whole attempt; `abort` ends it early (replica stopping).
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  abort: AbortSignal,
): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      redirect: 'manual',
      signal: AbortSignal.any([abort, timeout]),
    });
    const ok = res.status >= 200 && res.status < 300;
    const text = ok ? '' : await startOf(res, ERROR_BODY_CHARS);
    await res.body?.cancel();
    return { ok, statusCode: res.status, error: ok ? '' : `HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (err) {
    if (timeout.aborted) return { ok: false, statusCode: 0, error: `timed out after ${timeoutMs} ms` };
    if (abort.aborted) return { ok: false, statusCode: 0, error: 'aborted: the API replica stopped' };
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    return { ok: false, statusCode: 0, error: cause?.message ?? (err as Error).message };
  }
}

/** The first `chars` characters of an answer's body, reading no more than that (whatever its size). */
async function startOf(res: Response, chars: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < chars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text.slice(0, chars).trim();
}
