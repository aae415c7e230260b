import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerExecutorMetrics } from './executor-metrics.js';

interface DocRow {
  name: string;
  type: string;
  labels: string[];
}

/** Rows of the executor table in docs/metrics.md, the contract these metrics implement. */
function documentedExecutorMetrics(): DocRow[] {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/metrics.md', import.meta.url)), 'utf8');
  const section = doc.slice(doc.indexOf('## Executor'));
  const rows: DocRow[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(aepo_executor_\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const type = (cells[2] ?? '').split(' ')[0] ?? '';
    // Label values are listed in parentheses after a label's name; only the names are labels.
    const labelCell = (cells[3] ?? '').replace(/\([^)]*\)/g, '');
    const labels = [...labelCell.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? '');
    rows.push({ name, type, labels });
  }
  return rows;
}

describe('registerExecutorMetrics', () => {
  it('registers exactly the executor metrics of docs/metrics.md, with their types and labels', async () => {
    const documented = documentedExecutorMetrics();
    expect(documented.length).toBeGreaterThan(15);
    const registry = new Registry();
    registerExecutorMetrics(registry);
    const exported = (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('aepo_executor_'));

    expect(exported.map((m) => m.name).sort()).toEqual(documented.map((d) => d.name).sort());
    for (const row of documented) {
      const metric = registry.getSingleMetric(row.name) as unknown as { labelNames: string[] } | undefined;
      const json = exported.find((m) => m.name === row.name);
      expect(json?.type, row.name).toBe(row.type);
      expect(metric?.labelNames, row.name).toEqual(row.labels);
    }
  });

  it('also exports the default process metrics the restart alert relies on', async () => {
    const registry = new Registry();
    registerExecutorMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('process_start_time_seconds');
  });

  it('returns the registered metrics, so updates show up on a scrape, and leaves the global registry alone', async () => {
    const registry = new Registry();
    const metrics = registerExecutorMetrics(registry);
    metrics.stepsTotal.inc(3);
    metrics.policyEntropy.set(0.42);
    metrics.jobInfo.set({ job_id: 'j1', model: 'tiny', algorithm: 'AEPO' }, 1);
    metrics.stepPhaseDurationSeconds.observe({ phase: 'train' }, 0.2);

    const text = await registry.metrics();
    expect(text).toContain('aepo_executor_steps_total 3');
    expect(text).toContain('aepo_executor_policy_entropy 0.42');
    expect(text).toContain('aepo_executor_job_info{job_id="j1",model="tiny",algorithm="AEPO"} 1');
    expect(text).toContain('aepo_executor_step_phase_duration_seconds_bucket{le="0.25",phase="train"} 1');
    expect(globalRegistry.getSingleMetric('aepo_executor_steps_total')).toBeUndefined();
  });

  it('spans 0.01 s to 30 min in the step phase buckets', async () => {
    const registry = new Registry();
    registerExecutorMetrics(registry).stepPhaseDurationSeconds.observe({ phase: 'checkpoint' }, 1799);
    const text = await registry.metrics();
    expect(text).toContain(
      'aepo_executor_step_phase_duration_seconds_bucket{le="0.01",phase="checkpoint"} 0',
    );
    expect(text).toContain(
      'aepo_executor_step_phase_duration_seconds_bucket{le="1800",phase="checkpoint"} 1',
    );
  });

  it('registers independently on two registries (one per executor in a test process)', () => {
    expect(() => {
      registerExecutorMetrics(new Registry());
      registerExecutorMetrics(new Registry());
    }).not.toThrow();
  });
});
