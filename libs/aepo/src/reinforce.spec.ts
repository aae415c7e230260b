import { describe, expect, it } from 'vitest';
import {
  type BatchItem,
  choosePositives,
  composeBatch,
  reinforceCount,
  selectPositives,
  shareLimit,
} from './reinforce.js';

describe('selectPositives', () => {
  const groups = [
    [1, 0, 0, 0, 0], // A(correct) = 1.789
    [1, 1, 1, 1, 1], // all equal: none
    [0, 0, 0, 0, 0], // none
    [1, 1, 0, 0, 0], // A(correct) = 0.6 / sqrt(0.3) = 1.095
  ];
  it('keeps correct answers of mixed groups above the threshold', () => {
    expect(selectPositives(groups, 0.05, 1e-6)).toEqual([
      { group: 0, member: 0 },
      { group: 3, member: 0 },
      { group: 3, member: 1 },
    ]);
  });
  it('applies the threshold to the group advantage', () => {
    expect(selectPositives(groups, 1.5, 1e-6)).toEqual([{ group: 0, member: 0 }]);
  });
});

describe('shareLimit', () => {
  it('takes a count, capped by the batch', () => {
    expect(shareLimit({ kind: 'count', count: 60 }, 2560)).toBe(60);
    expect(shareLimit({ kind: 'count', count: 60 }, 40)).toBe(40);
    expect(shareLimit({ kind: 'count', count: 0 }, 40)).toBe(0);
  });
  it('takes a fraction of the batch, floored', () => {
    expect(shareLimit({ kind: 'fraction', fraction: 0.1 }, 256)).toBe(25);
    expect(shareLimit({ kind: 'fraction', fraction: 0.25 }, 8)).toBe(2);
    expect(shareLimit({ kind: 'fraction', fraction: 0.3 }, 10)).toBe(3);
  });
});

describe('reinforceCount', () => {
  it('is capped by the positives', () => {
    expect(reinforceCount({ limit: 60, scale: 1, positives: 23, halve: false })).toBe(23);
    expect(reinforceCount({ limit: 20, scale: 1, positives: 23, halve: false })).toBe(20);
  });
  it('halves (floor) after capping, as the reference does above target', () => {
    expect(reinforceCount({ limit: 60, scale: 1, positives: 23, halve: true })).toBe(11);
    expect(reinforceCount({ limit: 60, scale: 1, positives: 1, halve: true })).toBe(0);
  });
  it('scales the limit and allows k = 0', () => {
    expect(reinforceCount({ limit: 10, scale: 0.5, positives: 23, halve: false })).toBe(5);
    expect(reinforceCount({ limit: 10, scale: 0.25, positives: 23, halve: false })).toBe(2);
    expect(reinforceCount({ limit: 60, scale: 1, positives: 0, halve: false })).toBe(0);
  });
});

describe('composeBatch', () => {
  const grpo: BatchItem[] = Array.from({ length: 64 }, (_, i) => ({
    rolloutId: `g${i}`,
    advantage: i % 3 === 0 ? 0 : 0.5,
    source: 'grpo',
  }));
  const reinforce = Array.from({ length: 16 }, (_, i) => `r${i}`);

  it('keeps the batch size, replaces k items and gives the newcomers advantage 1', () => {
    const { batch, dropped } = composeBatch(grpo, reinforce, 7);
    expect(batch).toHaveLength(64);
    expect(dropped).toHaveLength(16);
    const ids = new Set(batch.map((b) => b.rolloutId));
    for (const r of reinforce) expect(ids.has(r)).toBe(true);
    for (const d of dropped) expect(ids.has(d)).toBe(false);
    expect(ids.size).toBe(64);
    for (const b of batch) {
      if (b.source === 'reinforce') expect(b.advantage).toBe(1);
      else expect(b.advantage).toBe(grpo[Number(b.rolloutId.slice(1))]!.advantage);
    }
  });

  it('shuffles the REINFORCE items into the batch (not all in front) and is reproducible', () => {
    const a = composeBatch(grpo, reinforce, 7);
    expect(composeBatch(grpo, reinforce, 7)).toEqual(a);
    const firstQuarter = a.batch.slice(0, 16).filter((b) => b.source === 'reinforce').length;
    expect(firstQuarter).toBeLessThan(16);
    const lastHalf = a.batch.slice(32).filter((b) => b.source === 'reinforce').length;
    expect(lastHalf).toBeGreaterThan(0);
    expect(composeBatch(grpo, reinforce, 8).batch).not.toEqual(a.batch);
  });

  it('with k = 0 returns all GRPO items and drops nothing', () => {
    const { batch, dropped } = composeBatch(grpo, [], 1);
    expect(dropped).toEqual([]);
    expect(batch.map((b) => b.rolloutId).sort()).toEqual(grpo.map((b) => b.rolloutId).sort());
  });

  it('never grows the batch beyond its size', () => {
    const { batch } = composeBatch(grpo.slice(0, 4), reinforce, 3);
    expect(batch).toHaveLength(4);
    expect(batch.every((b) => b.source === 'reinforce')).toBe(true);
  });

  it('chooses positives reproducibly', () => {
    const all = [1, 2, 3, 4, 5, 6];
    const c = choosePositives(all, 3, 11);
    expect(c).toHaveLength(3);
    expect(new Set(c).size).toBe(3);
    expect(choosePositives(all, 3, 11)).toEqual(c);
    expect(choosePositives(all, 10, 11).sort()).toEqual(all);
  });
});
