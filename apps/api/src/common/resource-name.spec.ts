import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from './api-error.js';
import { checkOwnParent, nameTemplate, ownJobId, parseNameField, resolveOwnName } from './resource-name.js';

const CALLER = 'p-caller';

/** The ApiError `fn` throws, as code and violations. */
function failure(fn: () => unknown): { code: ApiErrorCode; fields: string[]; message: string } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { code: err.code, fields: err.violations.map((v) => v.field), message: err.message };
  }
  throw new Error('did not throw');
}

describe('resource names of requests', () => {
  it('reads the job id of a name in the caller project, or with the `-` project', () => {
    expect(ownJobId(`projects/${CALLER}/jobs/j1`, 'name', CALLER)).toBe('j1');
    expect(ownJobId('projects/-/jobs/j2', 'name', CALLER)).toBe('j2');
    expect(
      resolveOwnName('webhookDelivery', 'projects/-/webhookEndpoints/-/deliveries/d', 'name', CALLER),
    ).toEqual(['-', 'd']);
  });

  it.each([
    ['', 'is required'],
    ['j1', 'must be a resource name projects/{project}/jobs/{job}'],
    [`projects/${CALLER}/datasets/d1`, 'must be a resource name projects/{project}/jobs/{job}'],
    [`projects/${CALLER}/jobs/j1/checkpoints/3`, 'must be a resource name projects/{project}/jobs/{job}'],
  ])('refuses the job name %j as INVALID_ARGUMENT naming the field', (name, description) => {
    const f = failure(() => ownJobId(name, 'job.name', CALLER));
    expect(f).toEqual({
      code: ApiErrorCode.INVALID_INPUT,
      fields: ['job.name'],
      message: `job.name: ${description}`,
    });
  });

  it("answers another project's name NOT_FOUND, like a missing resource", () => {
    const f = failure(() => ownJobId('projects/p-other/jobs/j1', 'name', CALLER));
    expect(f.code).toBe(ApiErrorCode.NOT_FOUND);
    expect(f.message).toContain('projects/p-other/jobs/j1');
  });

  it('accepts an empty, `-` or own parent and refuses others', () => {
    for (const parent of ['', 'projects/-', `projects/${CALLER}`]) {
      expect(() => checkOwnParent(parent, 'parent', CALLER)).not.toThrow();
    }
    expect(failure(() => checkOwnParent('projects/p-other', 'parent', CALLER)).code).toBe(
      ApiErrorCode.NOT_FOUND,
    );
    expect(failure(() => checkOwnParent('p-caller', 'metadata.parent', CALLER))).toMatchObject({
      code: ApiErrorCode.INVALID_INPUT,
      fields: ['metadata.parent'],
    });
  });

  it('parses names of every kind without a project check', () => {
    expect(parseNameField('apiKey', 'projects/p/apiKeys/k', 'name')).toEqual(['p', 'k']);
    expect(nameTemplate('webhookDelivery')).toBe(
      'projects/{project}/webhookEndpoints/{webhookEndpoint}/deliveries/{delivery}',
    );
    expect(nameTemplate('apiKey')).toBe('projects/{project}/apiKeys/{apiKey}');
  });
});
