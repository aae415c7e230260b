import type { ValueTransformer } from 'typeorm';

/** pg returns int8 as a string; our counts and steps stay far below 2^53. */
export const bigintAsNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};
