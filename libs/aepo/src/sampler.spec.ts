import { describe, expect, it } from 'vitest';
import { deriveSeed } from './rng.js';
import { ShuffledDatasetSampler } from './sampler.js';

const data = Array.from({ length: 10 }, (_, i) => ({ prompt: `p${i}`, answer: `${i}` }));

describe('ShuffledDatasetSampler', () => {
  it('draws each example once per epoch, in a new order each epoch', () => {
    const s = new ShuffledDatasetSampler(data, 5);
    const e0 = s.next(10).map((e) => e.prompt);
    const e1 = s.next(10).map((e) => e.prompt);
    expect([...e0].sort()).toEqual(data.map((d) => d.prompt).sort());
    expect([...e1].sort()).toEqual(data.map((d) => d.prompt).sort());
    expect(e1).not.toEqual(e0);
    expect(s.cursor()).toEqual({ epoch: 1, index: 10 });
  });

  it('crosses epochs inside one draw and resumes exactly from a cursor', () => {
    const a = new ShuffledDatasetSampler(data, 5);
    a.next(7);
    const cursor = a.cursor();
    expect(cursor).toEqual({ epoch: 0, index: 7 });
    const rest = a.next(8);
    const b = new ShuffledDatasetSampler(data, 5, cursor);
    expect(b.next(8)).toEqual(rest);
    expect(b.cursor()).toEqual({ epoch: 1, index: 5 });
  });

  it('depends on the seed', () => {
    expect(new ShuffledDatasetSampler(data, 1).next(10)).not.toEqual(
      new ShuffledDatasetSampler(data, 2).next(10),
    );
    expect(new ShuffledDatasetSampler(data, 1).next(10)).toEqual(
      new ShuffledDatasetSampler(data, 1).next(10),
    );
  });

  it('rejects an empty set and a bad cursor', () => {
    expect(() => new ShuffledDatasetSampler([], 1)).toThrow(/empty/);
    expect(() => new ShuffledDatasetSampler(data, 1, { epoch: 0, index: 11 })).toThrow(/cursor/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, 31-bit, and differs by label', () => {
    const a = deriveSeed(7, 3, 'sample');
    expect(deriveSeed(7, 3, 'sample')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 31);
    expect(deriveSeed(7, 3, 'train')).not.toBe(a);
    expect(deriveSeed(7, 4, 'sample')).not.toBe(a);
    expect(deriveSeed(8, 3, 'sample')).not.toBe(a);
  });
});
