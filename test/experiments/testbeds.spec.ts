import { grade } from '@aepo/rewards';
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

  it("the math grader reads tiny-cot's answer line, not its worked solution", () => {
    // One completion of each template of the engine's tiny_cot.py, then the same with a wrong answer.
    const solutions = [
      '7+8=15; 3+4+1=8',
      '8 + 7= 15 & 1+4 +3 =8',
      'ones 15, tens 8',
      'hm u=15;t:8',
      'so 48 + 37 makes 85',
      '37+48 -> 85',
      'total 85',
      'um 85',
    ];
    for (const work of solutions) {
      for (const line of ['\n#### ', '\n####']) {
        expect(grade(`${work}${line}85`, '85')?.score, work).toBe(1);
        expect(grade(`${work}${line}86`, '85')?.score, work).toBe(0);
        expect(grade(`${work}${line}58`, '85')?.score, work).toBe(0);
      }
    }
  });
});
