import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import {
  GetDatasetResponse,
  ListDatasetsResponse,
  UploadDatasetResponse,
  type Dataset,
  type UploadDatasetRequest,
} from '@aepo/contracts';
import { allPages, type ApiClient } from '../client/api-client.js';
import { datasetArg } from '../client/name-args.js';
import { age, bytes, iso, json, labels } from '../output/format.js';
import { renderFields, renderTable } from '../output/table.js';
import { intArg, labelArg, print, usage, withClient } from './command-context.js';

/** JSONL lines sent per upload message (keeps messages far below gRPC's 4 MiB default). */
const LINES_PER_MESSAGE = 500;

const DATASET_ARG = 'dataset name (projects/{project}/datasets/{dataset}) or bare dataset id';

export function datasetsCommand(): Command {
  const cmd = new Command('datasets').alias('dataset').description('upload and manage JSONL datasets');

  cmd
    .command('upload')
    .description('upload a JSONL file of {"prompt","answer","id"?} rows ("-" reads stdin)')
    .argument('<file>', 'JSONL file, or - for stdin')
    .option('--name <name>', 'display name (default: the file name)')
    .option('--label <key=value>', 'label (repeatable)', labelArg)
    .option('--request-id <id>', 'idempotency key: a retried upload returns the first dataset')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        file: string,
        o: { name?: string; label?: Record<string, string>; requestId?: string; json?: boolean },
        self: Command,
      ) => {
        if (file !== '-' && !existsSync(file)) throw usage(`no such file: ${file}`);
        const input = file === '-' ? process.stdin : createReadStream(file);
        const displayName = o.name ?? (file === '-' ? 'stdin' : path.basename(file));
        const res = await withClient(self, (client) =>
          uploadJsonl(client, input, { displayName, labels: o.label ?? {}, requestId: o.requestId ?? '' }),
        );
        if (o.json) print(json(UploadDatasetResponse.toJSON(res)));
        else if (res.dataset) print(datasetTable([res.dataset]));
      },
    );

  cmd
    .command('list')
    .alias('ls')
    .description('list the project’s datasets, newest first')
    .option('--page-size <n>', 'datasets per page (0: server default)', intArg(0, 1000), 0)
    .option('--page-token <token>', 'page to start from')
    .option('--all', 'follow every page')
    .option('--json', 'print the response as JSON')
    .action(
      async (o: { pageSize: number; pageToken?: string; all?: boolean; json?: boolean }, self: Command) => {
        const res = await withClient(self, async (client) => {
          const page = (pageToken: string) =>
            client.call(client.ft.listDatasets, { parent: '', pageSize: o.pageSize, pageToken });
          if (!o.all) return page(o.pageToken ?? '');
          const datasets = await allPages(async (t) => {
            const r = await page(t);
            return { items: r.datasets, nextPageToken: r.nextPageToken };
          });
          return { datasets, nextPageToken: '' };
        });
        if (o.json) return print(json(ListDatasetsResponse.toJSON(res)));
        print(res.datasets.length === 0 ? 'no datasets' : datasetTable(res.datasets));
        if (res.nextPageToken) print(`more: --page-token ${res.nextPageToken}`);
      },
    );

  cmd
    .command('get')
    .description('show one dataset')
    .argument('<dataset>', DATASET_ARG, datasetArg)
    .option('--json', 'print the response as JSON')
    .action(async (name: string, o: { json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) => client.call(client.ft.getDataset, { name }));
      if (o.json) return print(json(GetDatasetResponse.toJSON(res)));
      const d = res.dataset;
      if (!d) return;
      print(
        renderFields([
          ['name', d.name],
          ['display name', d.displayName],
          ['rows', d.rowCount],
          ['size', bytes(d.sizeBytes)],
          ['sha256', d.sha256],
          ['created', iso(d.createTime)],
          ['labels', labels(d.labels)],
        ]),
      );
    });

  cmd
    .command('delete')
    .alias('rm')
    .description('delete a dataset and its rows')
    .argument('<dataset>', DATASET_ARG, datasetArg)
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: { json?: boolean }, self: Command) => {
      await withClient(self, (client) => client.call(client.ft.deleteDataset, { name }));
      print(o.json ? json({ name, deleted: true }) : `dataset ${name} deleted`);
    });

  return cmd;
}

function datasetTable(datasets: Dataset[]): string {
  return renderTable(
    ['name', 'display_name', 'rows', 'size', 'sha256', 'age', 'labels'],
    datasets.map((d) => [
      d.name,
      d.displayName,
      d.rowCount,
      bytes(d.sizeBytes),
      d.sha256.slice(0, 12),
      age(d.createTime),
      labels(d.labels),
    ]),
  );
}

/**
 * Streams JSONL lines to UploadDataset without holding the file in memory; whitespace-only lines are
 * skipped (the server numbers rows in the order they arrive).
 */
export async function uploadJsonl(
  client: ApiClient,
  input: Readable | Iterable<string>,
  meta: { displayName: string; labels: Record<string, string>; requestId: string },
): Promise<UploadDatasetResponse> {
  const md = client.projectMetadata();
  let settle!: { resolve: (r: UploadDatasetResponse) => void; reject: (e: unknown) => void };
  const done = new Promise<UploadDatasetResponse>((resolve, reject) => (settle = { resolve, reject }));
  const call = client.ft.uploadDataset(md, (err, res) => (err ? settle.reject(err) : settle.resolve(res)));
  let failed = false;
  call.on('error', () => (failed = true));
  const write = (msg: UploadDatasetRequest) =>
    new Promise<void>((resolve) => (call.write(msg) ? resolve() : call.once('drain', resolve)));
  let first = true;
  let batch: string[] = [];
  const flush = async () => {
    const msg: UploadDatasetRequest = { jsonlLines: batch, rows: [] };
    // An empty parent is the API key's project.
    if (first) msg.metadata = { parent: '', ...meta };
    first = false;
    batch = [];
    await write(msg);
  };
  const lines: AsyncIterable<string> | Iterable<string> =
    typeof (input as Readable).pipe === 'function'
      ? createInterface({ input: input as Readable, crlfDelay: Infinity })
      : (input as Iterable<string>);
  for await (const line of lines) {
    if (failed) break;
    if (line.trim() === '') continue;
    batch.push(line);
    if (batch.length >= LINES_PER_MESSAGE) await flush();
  }
  if (!failed && (batch.length > 0 || first)) await flush();
  call.end();
  return done;
}
