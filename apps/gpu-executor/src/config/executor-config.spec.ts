import { describe, expect, it } from 'vitest';
import { ExecutorConfigError, loadExecutorConfig } from './executor-config.js';

const token = 'a-token-of-sixteen-plus';

describe('loadExecutorConfig', () => {
  it('reads AEPO_EXECUTOR_* and AEPO_ENGINE_* with defaults for the rest', () => {
    const c = loadExecutorConfig({
      AEPO_EXECUTOR_TOKEN: token,
      AEPO_EXECUTOR_API_ADDRESS: 'api:50051',
      AEPO_EXECUTOR_MODELS: 'builtin:tiny-arith, hf:Qwen/Qwen2.5-Math-7B',
      AEPO_EXECUTOR_CHECKPOINT_DIR: '/data/ckpt',
      AEPO_EXECUTOR_CHECKPOINT_ON_CANCEL: 'false',
      AEPO_EXECUTOR_ENGINE_THREADS: '2',
      AEPO_ENGINE_MODEL_CACHE: '/models',
      AEPO_EXECUTOR_LEASE_WAIT_SECONDS: '',
      UNRELATED: 'x',
    });
    expect(c.apiAddress).toBe('api:50051');
    expect(c.models).toEqual(['builtin:tiny-arith', 'hf:Qwen/Qwen2.5-Math-7B']);
    expect(c.checkpointRoot).toBe('/data/ckpt');
    expect(c.checkpointOnCancel).toBe(false);
    expect(c.engineThreads).toBe(2);
    expect(c.engineEnv).toEqual({ AEPO_ENGINE_MODEL_CACHE: '/models' });
    expect(c.leaseWaitSeconds).toBe(20);
    expect(c.httpAddress).toBe('0.0.0.0:9400');
    expect(c.engineSpawn).toBe(true);
  });

  it('names every bad variable', () => {
    let err: unknown;
    try {
      loadExecutorConfig({
        AEPO_EXECUTOR_TOKEN: 'short',
        AEPO_EXECUTOR_HTTP_ADDRESS: 'nope',
        AEPO_EXECUTOR_STEP_RETRIES: '-1',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExecutorConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/AEPO_EXECUTOR_TOKEN: must be at least 16 characters/);
    expect(msg).toMatch(/AEPO_EXECUTOR_HTTP_ADDRESS: must be host:port/);
    expect(msg).toMatch(/AEPO_EXECUTOR_STEP_RETRIES/);
  });

  it('requires the executor token', () => {
    expect(() => loadExecutorConfig({})).toThrow(/AEPO_EXECUTOR_TOKEN/);
  });

  it('reads the TLS settings of the API connection; a client certificate needs its key', () => {
    const c = loadExecutorConfig({
      AEPO_EXECUTOR_TOKEN: token,
      AEPO_EXECUTOR_API_CA_FILE: '/tls/ca.crt',
      AEPO_EXECUTOR_API_CERT_FILE: '/tls/tls.crt',
      AEPO_EXECUTOR_API_KEY_FILE: '/tls/tls.key',
    });
    expect(c).toMatchObject({ apiTls: false, apiCaFile: '/tls/ca.crt', apiCertFile: '/tls/tls.crt' });
    expect(() =>
      loadExecutorConfig({ AEPO_EXECUTOR_TOKEN: token, AEPO_EXECUTOR_API_CERT_FILE: '/tls/tls.crt' }),
    ).toThrow(/AEPO_EXECUTOR_API_KEY_FILE: is required/);
  });
});
