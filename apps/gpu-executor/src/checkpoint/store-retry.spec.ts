import { S3ServiceException } from '@aws-sdk/client-s3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CheckpointError, type CheckpointMeta, checkpointsToPrune } from './checkpoint.store.js';
import { ObjectStoreUnavailableError, withStoreRetry } from './store-retry.js';

const log = pino({ level: 'silent' });
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8333'), { code: 'ECONNREFUSED' });

describe('withStoreRetry', () => {
  it('waits out an unreachable store with growing, capped delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withStoreRetry(
      'upload',
      () => (++calls < 6 ? Promise.reject(refused()) : Promise.resolve('done')),
      { initialMs: 100, maxMs: 400, giveUpAfterMs: 60_000, sleep: async (ms) => void delays.push(ms) },
      log,
    );
    expect(result).toBe('done');
    expect(delays).toHaveLength(5);
    // Jitter keeps each delay within [base/2, base] of 100, 200, 400, 400, 400.
    [100, 200, 400, 400, 400].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(base / 2);
      expect(delays[i]).toBeLessThanOrEqual(base);
    });
  });

  it('gives up with ObjectStoreUnavailableError once the budget is spent', async () => {
    const started = Date.now();
    const err = await withStoreRetry(
      'checkpoint of step 4',
      () => Promise.reject(refused()),
      { initialMs: 5, maxMs: 10, giveUpAfterMs: 50 },
      log,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectStoreUnavailableError);
    expect((err as Error).message).toMatch(
      /^checkpoint of step 4: the object store failed for \d+ s \(\d+ tries\); last error: .*ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('does not retry a refusal (access denied is configuration, not an outage)', async () => {
    let calls = 0;
    const denied = new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'Access Denied',
    });
    const err = await withStoreRetry(
      'upload',
      () => {
        calls++;
        return Promise.reject(denied);
      },
      { initialMs: 1, maxMs: 1, giveUpAfterMs: 60_000 },
      log,
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err).not.toBeInstanceOf(ObjectStoreUnavailableError);
    expect((err as Error).message).toMatch(/refused: AccessDenied/);
  });
});

describe('checkpointsToPrune', () => {
  const meta = (
    step: number,
    inBand: boolean,
    rewardMean: number,
    validationAccuracy?: number,
  ): CheckpointMeta => ({
    jobId: 'j',
    step,
    attempt: 1,
    targetRevision: 0,
    entropy: 0.3,
    inBand,
    rewardMean,
    ...(validationAccuracy !== undefined ? { validationAccuracy } : {}),
  });

  it('keeps the newest keepLast and the best in band (validation accuracy first, then reward)', () => {
    const metas = [
      meta(2, true, 0.9),
      meta(4, true, 0.1, 0.8),
      meta(6, false, 0.5),
      meta(8, true, 0.2, 0.5),
      meta(10, false, 0),
    ];
    expect(checkpointsToPrune(metas, 2).map((m) => m.step)).toEqual([6, 2]);
    expect(checkpointsToPrune(metas, 5)).toEqual([]);
    expect(checkpointsToPrune([meta(2, false, 1), meta(4, false, 1)], 1).map((m) => m.step)).toEqual([2]);
  });
});
