import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig } from './api-config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadApiConfig', () => {
  it('applies defaults for an empty environment', () => {
    const c = loadApiConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.grpcAddress).toBe('0.0.0.0:50051');
    expect(c.models).toContain('builtin:tiny-arith');
    expect(c.leaseTtlSeconds).toBe(30);
  });

  it('names every bad variable in one error', () => {
    const found = problems({
      DATABASE_URL: 'mysql://x',
      AEPO_API_LEASE_TTL_SECONDS: 'soon',
      AEPO_EXECUTOR_TOKEN: 'short',
      AEPO_API_MODELS: 'builtin:ok,/etc/passwd',
      AEPO_API_GRPC_ADDRESS: '50051',
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'AEPO_API_GRPC_ADDRESS',
        'AEPO_API_LEASE_TTL_SECONDS',
        'AEPO_API_MODELS',
        'AEPO_EXECUTOR_TOKEN',
        'DATABASE_URL',
      ].sort(),
    );
  });

  it('never echoes secrets in its message', () => {
    const [problem] = problems({ AEPO_ADMIN_TOKEN: 'has spaces but is long enough' });
    expect(problem).toMatch(/^AEPO_ADMIN_TOKEN/);
    expect(problem).not.toContain('has spaces');
  });

  it('treats empty strings as unset and parses lists and numbers', () => {
    const c = loadApiConfig({
      DATABASE_URL: '',
      AEPO_API_MODELS: ' builtin:a , hf:org/b ',
      AEPO_API_REAPER_INTERVAL_MS: '250',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.models).toEqual(['builtin:a', 'hf:org/b']);
    expect(c.reaperIntervalMs).toBe(250);
  });

  it('reads TLS files in pairs, and a client CA only with them', () => {
    expect(loadApiConfig({}).tls).toBeUndefined();
    expect(loadApiConfig({ AEPO_API_TLS_CERT_FILE: '/c.pem', AEPO_API_TLS_KEY_FILE: '/k.pem' }).tls).toEqual({
      certFile: '/c.pem',
      keyFile: '/k.pem',
      clientCaFile: undefined,
      reloadSeconds: 300,
    });
    expect(problems({ AEPO_API_TLS_CERT_FILE: '/c.pem' })).toEqual([
      'AEPO_API_TLS_KEY_FILE: is required when AEPO_API_TLS_CERT_FILE is set',
    ]);
    expect(problems({ AEPO_API_TLS_CLIENT_CA_FILE: '/ca.pem' })[0]).toMatch(
      /^AEPO_API_TLS_CLIENT_CA_FILE: needs AEPO_API_TLS_CERT_FILE/,
    );
  });

  it('has per-project quotas with defaults, each settable', () => {
    expect(loadApiConfig({}).quotas).toEqual({
      activeJobs: 16,
      concurrentUploads: 2,
      datasetBytes: 10 * 1024 ** 3,
      openStreams: 32,
    });
    expect(loadApiConfig({ AEPO_API_QUOTA_STREAMS: '3', AEPO_API_QUOTA_UPLOADS: '1' }).quotas).toMatchObject({
      openStreams: 3,
      concurrentUploads: 1,
    });
    expect(problems({ AEPO_API_QUOTA_ACTIVE_JOBS: '0' })[0]).toMatch(/^AEPO_API_QUOTA_ACTIVE_JOBS/);
  });
  it('reads the webhook delivery settings (defaults, overrides, 0 replicas sending, bad values)', () => {
    expect(loadApiConfig({}).webhooks).toEqual({
      concurrency: 8,
      timeoutMs: 10_000,
      maxAttempts: 12,
      maxAgeSeconds: 72 * 3600,
      retryBaseMs: 5000,
      retryMaxMs: 3_600_000,
      pollMs: 5000,
      allowPrivate: false,
      retentionDays: 30,
    });
    const c = loadApiConfig({
      AEPO_API_WEBHOOK_CONCURRENCY: '0',
      AEPO_API_WEBHOOK_RETRY_HOURS: '2',
      AEPO_API_WEBHOOK_ALLOW_PRIVATE: 'true',
      AEPO_API_WEBHOOK_RETENTION_DAYS: '0',
    });
    expect(c.webhooks).toMatchObject({
      concurrency: 0,
      maxAgeSeconds: 7200,
      allowPrivate: true,
      retentionDays: 0,
    });
    expect(
      problems({
        AEPO_API_WEBHOOK_TIMEOUT_MS: '5',
        AEPO_API_WEBHOOK_MAX_ATTEMPTS: 'many',
        AEPO_API_WEBHOOK_RETENTION_DAYS: '-1',
      }).map((p) => p.split(':')[0]),
    ).toEqual([
      'AEPO_API_WEBHOOK_TIMEOUT_MS',
      'AEPO_API_WEBHOOK_MAX_ATTEMPTS',
      'AEPO_API_WEBHOOK_RETENTION_DAYS',
    ]);
  });
});
