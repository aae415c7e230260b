import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerApiMetrics } from '../apps/api/src/metrics/api-metrics.js';
import { registerMlflowMetrics } from '../apps/api/src/mlflow/mlflow.metrics.js';
import { registerExecutorMetrics } from '../apps/gpu-executor/src/metrics/executor-metrics.js';

const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
]);
PROMQL_KEYWORDS.add('unless').add('bool').add('offset').add('inf').add('nan');

/**
 * Metric names in a PromQL expression: identifiers left after removing strings, label matchers,
 * range selectors, label lists of by/on/group_*, and function or aggregation calls.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b[a-zA-Z_]\w*\s*\(/g, '(');
  const names = [...stripped.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)].map((m) => m[0]);
  return names.filter((n) => !PROMQL_KEYWORDS.has(n.toLowerCase()));
}

interface Panel {
  id?: number;
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardExprs(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(repo('deploy/grafana/dashboards/aepo.json'), 'utf8')) as {
    panels: Panel[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const exprs = panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr ?? '' })),
  );
  for (const v of dashboard.templating.list) {
    const m = /^label_values\((\w+)/.exec(v.definition ?? '');
    if (m?.[1]) exprs.push({ where: `variable ${v.name}`, expr: m[1] });
  }
  return exprs;
}

function ruleExprs(): { where: string; expr: string }[] {
  const rules = parse(readFileSync(repo('deploy/prometheus/aepo.rules.yaml'), 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
  );
}

/** The query KEDA scales executors on (the chart's default values). */
function kedaExprs(): { where: string; expr: string }[] {
  const values = parse(readFileSync(repo('deploy/helm/aepo/values.yaml'), 'utf8')) as {
    keda: { prometheus: { query: string } };
  };
  return [{ where: 'KEDA query', expr: values.keda.prometheus.query }];
}

/** The source files whose metrics exportedSeriesNames registers (one register function each). */
const COLLECTED_METRIC_SOURCES = [
  'apps/api/src/metrics/api-metrics.ts',
  'apps/api/src/mlflow/mlflow.metrics.ts',
  'apps/gpu-executor/src/metrics/executor-metrics.ts',
];

/** Non-test TypeScript under apps/*\/src and libs/*\/src that creates prom-client metrics. */
function metricSourceFiles(): string[] {
  return ['apps', 'libs']
    .flatMap((top) => readdirSync(repo(top)).map((pkg) => `${top}/${pkg}/src`))
    .filter((root) => existsSync(repo(root)))
    .flatMap((root) =>
      readdirSync(repo(root), { recursive: true, encoding: 'utf8' }).map((f) => `${root}/${f}`),
    )
    .filter((f) => f.endsWith('.ts') && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(f))
    .filter((f) => {
      const text = readFileSync(repo(f), 'utf8');
      return text.includes("from 'prom-client'") && /\bnew (Counter|Gauge|Histogram|Summary)\b/.test(text);
    })
    .sort();
}

/** Series names a scrape of the apps' registries can carry (histograms expand to their three series). */
async function exportedSeriesNames(): Promise<Set<string>> {
  const executor = new Registry();
  registerExecutorMetrics(executor);
  const api = new Registry();
  registerApiMetrics(api);
  // The tracker's gauges read the run table at scrape time; any numbers do for their names.
  registerMlflowMetrics(api, { lagSteps: () => Promise.resolve(0), inOutage: () => Promise.resolve(0) });
  const metrics = [...(await executor.getMetricsAsJSON()), ...(await api.getMetricsAsJSON())];
  return new Set(
    metrics.flatMap((m) =>
      String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    ),
  );
}

describe('metric names in deploy/', () => {
  it('parses metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, method) (rate(a_bucket{method!~"x|y"}[5m]))) > 1 and on () b',
      ),
    ).toEqual(['a_bucket', 'b']);
    expect(metricNames('x * on (instance) group_left (job_id) y{job_id=~"$job_id"}')).toEqual(['x', 'y']);
    expect(metricNames('time() - c > 1200 unless on (instance) d')).toEqual(['c', 'd']);
  });

  it('gives every dashboard panel its own id (Grafana keys panels by id)', () => {
    const dashboard = JSON.parse(readFileSync(repo('deploy/grafana/dashboards/aepo.json'), 'utf8')) as {
      panels: Panel[];
    };
    const ids = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).map((p) => p.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('collects the metrics of every source file that creates some', () => {
    expect(metricSourceFiles()).toEqual(COLLECTED_METRIC_SOURCES);
  });

  it('uses only metrics that the API and executor registries export (dashboard, alerts, KEDA)', async () => {
    const exported = await exportedSeriesNames();
    const used = [...dashboardExprs(), ...ruleExprs(), ...kedaExprs()].flatMap(({ where, expr }) =>
      metricNames(expr).map((name) => ({ where, name })),
    );
    expect(used.length).toBeGreaterThan(40);
    const unknown = used.filter((u) => !exported.has(u.name));
    expect(unknown).toEqual([]);
  });

  it('watches every aepo metric the apps export in the dashboard or an alert', async () => {
    const used = new Set(
      [...dashboardExprs(), ...ruleExprs()].flatMap(({ expr }) =>
        metricNames(expr).map((n) => n.replace(/_(bucket|sum|count)$/, '')),
      ),
    );
    const exported = [...(await exportedSeriesNames())]
      .filter((n) => n.startsWith('aepo_'))
      .map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    expect(exported.filter((n) => !used.has(n))).toEqual([]);
  });
});
