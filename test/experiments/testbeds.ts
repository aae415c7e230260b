/**
 * The built-in testbeds the entropy experiment runs on (TESTBED=tiny-arith | tiny-cot): which model
 * every run starts from and how long its completions may be. Both answer the same `a+b=` prompts,
 * so they share the datasets; everything else (budget, algorithm knobs) is entropy-settings.ts's.
 */
import type { CommonSettings } from './entropy-runs.js';

export interface Testbed {
  name: string;
  /** Overrides of the common settings (tiny-arith: none, so its runs stay exactly as tuned). */
  common: Partial<CommonSettings>;
  /** File name stem of the experiment's outputs (tiny-arith keeps `entropy`). */
  outputStem: string;
}

export const TESTBEDS: Readonly<Record<string, Testbed>> = {
  'tiny-arith': { name: 'tiny-arith', common: {}, outputStem: 'entropy' },
  // A worked solution then `\n#### <sum>`: at most 35 characters and EOS (engine tiny_cot.py).
  'tiny-cot': {
    name: 'tiny-cot',
    common: { model: 'builtin:tiny-cot', maxTokens: 40 },
    outputStem: 'entropy-tiny-cot',
  },
};

/** The testbed named by `name` (default tiny-arith); an unknown name is an error naming the choices. */
export function testbed(name: string | undefined): Testbed {
  const key = name === undefined || name === '' ? 'tiny-arith' : name;
  const found = TESTBEDS[key];
  if (!found) {
    throw new Error(`TESTBED=${key}: unknown testbed (known: ${Object.keys(TESTBEDS).join(', ')})`);
  }
  return found;
}
