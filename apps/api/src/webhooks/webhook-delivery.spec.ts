import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Violations } from '../common/violations.js';
import { retryDelayMs } from './webhook-backoff.js';
import { isPrivateAddress } from './webhook-address.guard.js';
import { checkEventTypes, checkUpdateMask, checkUrl } from './webhook-endpoint.validator.js';
import { newWebhookSecret, signWebhook, webhookHeaders, webhookIdOf } from './webhook-signature.js';

describe('Standard Webhooks signature', () => {
  it("reproduces the specification's published test vector", () => {
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes 32-byte secrets and headers a receiver verifies with the decoded key', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
    const id = webhookIdOf('0b0f6c1e-8f1a-4c1e-9a57-3b7d0c2e4f10');
    expect(id).toBe('msg_0b0f6c1e8f1a4c1e9a573b7d0c2e4f10');
    const body = '{"type":"job.state_changed"}';
    const h = webhookHeaders(secret, id, body, new Date(1_700_000_000_900));
    expect(h['webhook-id']).toBe(id);
    expect(h['webhook-timestamp']).toBe('1700000000');
    const key = Buffer.from(secret.slice(6), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.1700000000.${body}`).digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${expected}`);
  });
});

describe('retry backoff', () => {
  it('doubles per failure from the base, caps, and jitters into [half, full]', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, high))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(3, 1000, 60_000, low)).toBe(2000);
    expect(retryDelayMs(20, 1000, 60_000, high)).toBe(60_000);
    expect(retryDelayMs(5000, 1000, 60_000, high)).toBe(60_000);
    const jittered = Array.from({ length: 200 }, () => retryDelayMs(2, 1000, 60_000));
    expect(Math.min(...jittered)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...jittered)).toBeLessThanOrEqual(2000);
    expect(new Set(jittered).size).toBeGreaterThan(10);
  });
});

describe('endpoint validation', () => {
  const fields = (fn: (v: Violations) => void) => {
    const v = new Violations();
    fn(v);
    return v.list.map((x) => x.field);
  };

  it('accepts http(s) URLs only', () => {
    expect(fields((v) => checkUrl(v, 'url', 'https://hooks.example.com/aepo?x=1', false))).toEqual([]);
    expect(fields((v) => checkUrl(v, 'url', 'http://127.0.0.1:8080/', true))).toEqual([]);
    for (const bad of ['', 'ftp://example.com/x', 'file:///etc/passwd', 'example.com/hook', 'http://'])
      expect(
        fields((v) => checkUrl(v, 'url', bad, true)),
        bad,
      ).toEqual(['url']);
    expect(fields((v) => checkUrl(v, 'url', `https://e.com/${'a'.repeat(2100)}`, true))).toEqual(['url']);
  });

  it('refuses private IP literals unless allowed', () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
    ])
      expect(
        fields((v) => checkUrl(v, 'url', url, false)),
        url,
      ).toEqual(['url']);
    expect(fields((v) => checkUrl(v, 'url', 'http://93.184.215.14/', false))).toEqual([]);
    expect(fields((v) => checkUrl(v, 'url', 'http://10.1.2.3/', true))).toEqual([]);
  });

  it('names the unknown or repeated event type, and refuses an empty subscription', () => {
    expect(fields((v) => checkEventTypes(v, 'event_types', ['job.state_changed']))).toEqual([]);
    expect(fields((v) => checkEventTypes(v, 'event_types', []))).toEqual(['event_types']);
    expect(
      fields((v) =>
        checkEventTypes(v, 'event_types', ['job.state_changed', 'job.exploded', 'job.state_changed']),
      ),
    ).toEqual(['event_types[1]', 'event_types[2]']);
  });

  it('reads update masks', () => {
    const v = new Violations();
    expect(checkUpdateMask(v, ['enabled', 'url', 'enabled'])).toEqual(['enabled', 'url']);
    expect(v.empty).toBe(true);
    expect(fields((x) => checkUpdateMask(x, []))).toEqual(['update_mask']);
    expect(fields((x) => checkUpdateMask(x, ['secret']))).toEqual(['update_mask']);
  });
});

describe('private addresses (SSRF guard)', () => {
  it('covers loopback, private, link-local, CGNAT, unspecified, multicast, and v4-mapped v6', () => {
    const blocked = [
      '127.0.0.1',
      '10.0.0.5',
      '172.31.255.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ];
    const open = [
      '8.8.8.8',
      '172.32.0.1',
      '93.184.215.14',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      'example.com',
    ];
    expect(blocked.filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(open.filter((a) => isPrivateAddress(a))).toEqual([]);
  });
});
