import { describe, expect, it } from 'vitest';
import type { JobEntity } from '../database/entities/index.js';
import { JobReadCache } from './job-read.cache.js';

const job = (id: string, state: JobEntity['state'] = 'QUEUED') => ({ id, state }) as JobEntity;

describe('JobReadCache', () => {
  it('serves a stored row until it is invalidated', () => {
    const cache = new JobReadCache(60_000);
    cache.set(job('a'), cache.begin());
    expect(cache.get('a')?.state).toBe('QUEUED');
    cache.invalidate('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops a read that raced an invalidation (the old row must not come back)', () => {
    const cache = new JobReadCache(60_000);
    const since = cache.begin(); // read starts, sees the old row
    cache.invalidate('a'); // a write commits meanwhile
    cache.set(job('a', 'QUEUED'), since);
    expect(cache.get('a')).toBeUndefined();
  });

  it('is bypassed while the LISTEN connection is down and empty when it returns', () => {
    const cache = new JobReadCache(60_000);
    cache.set(job('a'), cache.begin());
    cache.setEnabled(false);
    cache.set(job('b'), cache.begin());
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    cache.setEnabled(true);
    expect(cache.get('a')).toBeUndefined();
    cache.set(job('c'), cache.begin());
    expect(cache.get('c')).toBeDefined();
  });

  it('expires entries after the TTL and stores nothing when the TTL is 0', () => {
    const now = Date.now();
    const cache = new JobReadCache(1);
    cache.set(job('a'), cache.begin());
    while (Date.now() < now + 5) {
      // spin past the TTL
    }
    expect(cache.get('a')).toBeUndefined();
    const off = new JobReadCache(0);
    off.set(job('a'), off.begin());
    expect(off.get('a')).toBeUndefined();
  });

  it('evicts the oldest entry beyond its size bound', () => {
    const cache = new JobReadCache(60_000, 2);
    for (const id of ['a', 'b', 'c']) cache.set(job(id), cache.begin());
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });
});
