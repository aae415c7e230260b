import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('gives an error its stack, a string itself, an object its contents', () => {
    const e = new Error('port in use');
    expect(describeError(e)).toBe(e.stack);
    expect(describeError('plain words')).toBe('plain words');
    expect(describeError({ code: 'EADDRINUSE', port: 5432 })).toBe("{ code: 'EADDRINUSE', port: 5432 }");
  });

  it('never prints a bare undefined', () => {
    expect(describeError(undefined)).toBe('an unknown error (the rejection carried no reason: undefined)');
    expect(describeError(null)).toBe('an unknown error (the rejection carried no reason: null)');
  });
});
