/**
 * Deterministic pseudo-randomness for the trainer. Every random choice of a step is drawn from a
 * generator seeded by (job seed, step, purpose), so a restored trainer repeats the exact choices
 * without carrying generator state in its checkpoint.
 */

/** Mixes 32-bit words into one 32-bit hash (murmur3 finaliser after each word). */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ (word >>> 0), 0x9e3779b1) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 31-bit seed derived from a base seed and labels, e.g. deriveSeed(seed, step, 'sample').
 * Non-negative and below 2^31 so every engine (int32 or int64 fields) accepts it unchanged.
 */
export function deriveSeed(base: number, ...parts: (number | string)[]): number {
  let h = mix(0x811c9dc5, base >>> 0);
  h = mix(h, Math.floor(base / 2 ** 32) >>> 0);
  for (const part of parts) {
    if (typeof part === 'number') {
      h = mix(h, part >>> 0);
      h = mix(h, Math.floor(part / 2 ** 32) >>> 0);
    } else {
      for (let i = 0; i < part.length; i++) h = mix(h, part.charCodeAt(i));
      h = mix(h, part.length);
    }
  }
  return h & 0x7fffffff;
}

/** mulberry32: a small, fast generator with a 32-bit state; plenty for shuffling batches. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }
}
