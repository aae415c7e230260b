import { describe, expect, it } from 'vitest';
import { ENTROPY_COMMON } from './entropy-settings.js';
import { TESTBEDS, testbed } from './testbeds.js';

describe('entropy experiment testbeds', () => {
  it('defaults to tiny-arith with the tuned settings untouched', () => {
    const bed = testbed(undefined);
    expect(bed).toBe(testbed(''));
    expect(bed.name).toBe('tiny-arith');
    expect({ ...ENTROPY_COMMON, ...bed.common }).toEqual(ENTROPY_COMMON);
    expect(bed.outputStem).toBe('entropy');
  });

  it('tiny-cot starts from builtin:tiny-cot with room for its worked solutions', () => {
    const common = { ...ENTROPY_COMMON, ...testbed('tiny-cot').common };
    expect(common.model).toBe('builtin:tiny-cot');
    expect(common.maxTokens).toBeGreaterThanOrEqual(36);
    expect(testbed('tiny-cot').outputStem).not.toBe(testbed('tiny-arith').outputStem);
  });

  it('names the known testbeds when given another', () => {
    expect(() => testbed('tiny-nothing')).toThrow(
      `TESTBED=tiny-nothing: unknown testbed (known: ${Object.keys(TESTBEDS).join(', ')})`,
    );
  });
});
