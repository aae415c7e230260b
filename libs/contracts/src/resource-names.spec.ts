import { describe, expect, it } from 'vitest';
import { formatResourceName, jobName, parseResourceName } from './resource-names.js';

describe('parseResourceName', () => {
  it('reads the ids of each kind, outermost first', () => {
    expect(parseResourceName('project', 'projects/p1')).toEqual(['p1']);
    expect(parseResourceName('job', 'projects/p1/jobs/j1')).toEqual(['p1', 'j1']);
    expect(parseResourceName('checkpoint', 'projects/p1/jobs/j1/checkpoints/40')).toEqual(['p1', 'j1', '40']);
    expect(parseResourceName('webhookDelivery', 'projects/-/webhookEndpoints/-/deliveries/d')).toEqual([
      '-',
      '-',
      'd',
    ]);
  });

  it.each([
    ['job', ''],
    ['job', 'j1'],
    ['job', 'projects/p1'],
    ['job', 'projects/p1/jobs/'],
    ['job', 'projects/p1/jobs/j1/'],
    ['job', 'projects//jobs/j1'],
    ['job', 'projects/p1/datasets/j1'],
    ['job', 'project/p1/jobs/j1'],
    ['job', 'projects/p 1/jobs/j1'],
    ['job', 'projects/p1/jobs/j1/checkpoints/3'],
    ['dataset', 'projects/p1/jobs/j1'],
  ] as const)('refuses %s name %j', (kind, name) => {
    expect(parseResourceName(kind, name)).toBeNull();
  });
});

describe('formatResourceName', () => {
  it('is the inverse of parseResourceName', () => {
    const name = formatResourceName('checkpoint', 'p1', 'j1', 40);
    expect(name).toBe('projects/p1/jobs/j1/checkpoints/40');
    expect(parseResourceName('checkpoint', name)).toEqual(['p1', 'j1', '40']);
    expect(jobName('p', 'j')).toBe('projects/p/jobs/j');
  });

  it('refuses a wrong number of ids', () => {
    expect(() => formatResourceName('job', 'p1')).toThrow(/needs 2 ids/);
  });
});
