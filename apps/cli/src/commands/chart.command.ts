import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { ApiClient } from '../client/api-client.js';
import { jobArg, lastId } from '../client/name-args.js';
import { renderEntropyChart, svgToPng, type ChartSeries } from '../chart/entropy-chart.js';
import { json, shortAlgorithm } from '../output/format.js';
import { listAllSteps } from './metrics.command.js';
import { print, withClient } from './command-context.js';

/** Reads each job's recorded steps and writes `<out>.svg` and `<out>.png`. */
export async function writeEntropyChart(
  client: ApiClient,
  jobNames: string[],
  out: string,
  title?: string,
): Promise<{ svg: string; png: string; series: ChartSeries[] }> {
  const series: ChartSeries[] = [];
  for (const jobName of jobNames) {
    const job = (await client.call(client.ft.getJob, { name: jobName })).job;
    const records = await listAllSteps(client, jobName);
    const name = job?.displayName || lastId(jobName).slice(0, 8);
    const algorithm = shortAlgorithm(job?.spec?.algorithm ?? '');
    const label = name.toUpperCase().includes(algorithm) ? name : `${name} (${algorithm})`;
    series.push({ job: job?.name ?? jobName, label, records });
  }
  const base = out.replace(/\.(svg|png)$/i, '');
  mkdirSync(path.dirname(path.resolve(base)), { recursive: true });
  const svg = renderEntropyChart(series, title);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, await svgToPng(svg));
  return { svg: path.resolve(`${base}.svg`), png: path.resolve(`${base}.png`), series };
}

/** Commander's variadic argument parser: each job name expanded and collected. */
const collectJobs = (raw: string, previous: string[] = []): string[] => [...previous, jobArg(raw)];

export function chartCommand(): Command {
  return new Command('chart')
    .description('chart entropy against the target band over steps for one or more jobs (SVG and PNG)')
    .argument('<jobs...>', 'job names or bare ids (one line each)', collectJobs)
    .option('-o, --out <path>', 'output path without extension', 'entropy-chart')
    .option('--title <title>', 'chart title')
    .option('--json', 'print the written paths as JSON')
    .action(async (jobNames: string[], o: { out: string; title?: string; json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) => writeEntropyChart(client, jobNames, o.out, o.title));
      const points = res.series.map((s) => ({ job: s.job, steps: s.records.length }));
      if (o.json) print(json({ svg: res.svg, png: res.png, series: points }));
      else print(`wrote ${res.svg} and ${res.png} (${points.map((p) => `${p.steps} steps`).join(', ')})`);
    });
}
