import { Command, InvalidArgumentError } from 'commander';
import { StepRecord } from '@aepo/contracts';
import { allPages, type ApiClient } from '../client/api-client.js';
import { jobArg } from '../client/name-args.js';
import { fixed, json } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { print, withClient } from './command-context.js';

/** Every StepRecord field, in proto order, as snake_case column names (the CSV header). */
export const STEP_COLUMNS: [string, keyof StepRecord][] = [
  ['step', 'step'],
  ['create_time', 'createTime'],
  ['attempt', 'attempt'],
  ['entropy', 'entropy'],
  ['entropy_sampled', 'entropySampled'],
  ['entropy_target', 'entropyTarget'],
  ['entropy_target_lower', 'entropyTargetLower'],
  ['entropy_target_upper', 'entropyTargetUpper'],
  ['temperature', 'temperature'],
  ['reinforce_count', 'reinforceCount'],
  ['reinforce_candidates', 'reinforceCandidates'],
  ['reward_mean', 'rewardMean'],
  ['reward_std', 'rewardStd'],
  ['accuracy', 'accuracy'],
  ['zero_variance_group_fraction', 'zeroVarianceGroupFraction'],
  ['response_length_mean', 'responseLengthMean'],
  ['loss', 'loss'],
  ['clip_fraction', 'clipFraction'],
  ['dual_clip_fraction', 'dualClipFraction'],
  ['kl', 'kl'],
  ['approx_kl', 'approxKl'],
  ['grad_norm', 'gradNorm'],
  ['generated_tokens', 'generatedTokens'],
  ['trained_tokens', 'trainedTokens'],
  ['sample_seconds', 'sampleSeconds'],
  ['reward_seconds', 'rewardSeconds'],
  ['train_seconds', 'trainSeconds'],
  ['checkpoint_seconds', 'checkpointSeconds'],
  ['step_seconds', 'stepSeconds'],
  ['target_unreachable', 'targetUnreachable'],
  ['learning_rate', 'learningRate'],
];

/** Columns of the human table. */
const TABLE: [string, (r: StepRecord) => string | number][] = [
  ['step', (r) => r.step],
  ['entropy', (r) => fixed(r.entropy, 4)],
  ['target', (r) => fixed(r.entropyTarget, 3)],
  ['band', (r) => `${fixed(r.entropyTargetLower, 3)}..${fixed(r.entropyTargetUpper, 3)}`],
  ['temp', (r) => fixed(r.temperature, 2)],
  ['reinforce', (r) => r.reinforceCount],
  ['reward', (r) => fixed(r.rewardMean, 3)],
  ['accuracy', (r) => fixed(r.accuracy, 3)],
  ['resp_len', (r) => fixed(r.responseLengthMean, 1)],
  ['loss', (r) => fixed(r.loss, 4)],
  ['step_s', (r) => fixed(r.stepSeconds, 2)],
];

export async function listAllSteps(client: ApiClient, job: string): Promise<StepRecord[]> {
  return allPages(async (pageToken) => {
    const r = await client.call(client.ft.listStepRecords, { parent: job, pageSize: 1000, pageToken });
    return { items: r.records, nextPageToken: r.nextPageToken };
  });
}

function csvCell(v: unknown): string {
  const s = v instanceof Date ? v.toISOString() : String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function stepsToCsv(records: StepRecord[]): string {
  const header = STEP_COLUMNS.map(([name]) => name).join(',');
  const rows = records.map((r) => STEP_COLUMNS.map(([, key]) => csvCell(r[key])).join(','));
  return [header, ...rows].join('\n') + '\n';
}

export function metricsCommand(): Command {
  return new Command('metrics')
    .description("a job's per-step metrics (entropy, target band, temperature, reward, accuracy, timings)")
    .argument('<job>', 'job name (projects/{project}/jobs/{job}) or bare job id', jobArg)
    .option(
      '--format <format>',
      'table, csv or json',
      (raw: string) => {
        if (!['table', 'csv', 'json'].includes(raw))
          throw new InvalidArgumentError('expected table, csv or json');
        return raw;
      },
      'table',
    )
    .option('--json', 'same as --format json')
    .option('--last <n>', 'only the last N steps', (raw: string) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
      return n;
    })
    .action(async (job: string, o: { format: string; json?: boolean; last?: number }, self: Command) => {
      let records = await withClient(self, (client) => listAllSteps(client, job));
      if (o.last !== undefined) records = records.slice(-o.last);
      const format = o.json ? 'json' : o.format;
      if (format === 'json') return print(json({ job, records: records.map((r) => StepRecord.toJSON(r)) }));
      if (format === 'csv') return void process.stdout.write(stepsToCsv(records));
      print(
        records.length === 0
          ? `job ${job} has no steps yet`
          : renderTable(
              TABLE.map(([h]) => h),
              records.map((r) => TABLE.map(([, f]) => f(r))),
            ),
      );
    });
}
