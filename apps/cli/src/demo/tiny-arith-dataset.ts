/** Rows of `builtin:tiny-arith`: `${a}+${b}=` -> `${a+b}`, a and b in [0, 99]. */
export interface ArithRow {
  prompt: string;
  answer: string;
  id: string;
}

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same dataset everywhere. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function tinyArithRows(count: number, seed = 1): ArithRow[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const a = Math.floor(next() * 100);
    const b = Math.floor(next() * 100);
    return { prompt: `${a}+${b}=`, answer: String(a + b), id: `arith-${i}` };
  });
}

export function toJsonl(rows: ArithRow[]): string[] {
  return rows.map((r) => JSON.stringify(r));
}
