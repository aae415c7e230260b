import { Command } from 'commander';
import { Checkpoint } from '@aepo/contracts';
import { allPages } from '../client/api-client.js';
import { jobArg } from '../client/name-args.js';
import { bytes, fixed, iso, json } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { print, withClient } from './command-context.js';

export function checkpointsCommand(): Command {
  return new Command('checkpoints')
    .description("a job's checkpoints in step order; * marks the best one inside the entropy band")
    .argument('<job>', 'job name (projects/{project}/jobs/{job}) or bare job id', jobArg)
    .option('--json', 'print as JSON')
    .action(async (jobName: string, o: { json?: boolean }, self: Command) => {
      const { checkpoints, best } = await withClient(self, async (client) => {
        const job = (await client.call(client.ft.getJob, { name: jobName })).job;
        const checkpoints = await allPages(async (pageToken) => {
          const r = await client.call(client.ft.listCheckpoints, {
            parent: jobName,
            pageSize: 1000,
            pageToken,
          });
          return { items: r.checkpoints, nextPageToken: r.nextPageToken };
        });
        return { checkpoints, best: job?.bestCheckpoint ?? '' };
      });
      if (o.json)
        return print(
          json({
            job: jobName,
            bestCheckpoint: best,
            checkpoints: checkpoints.map((c) => Checkpoint.toJSON(c)),
          }),
        );
      if (checkpoints.length === 0) return print(`job ${jobName} has no checkpoints yet`);
      print(
        renderTable(
          ['best', 'name', 'step', 'entropy', 'in_band', 'reward', 'val_acc', 'size', 'created', 'uri'],
          checkpoints.map((c) => [
            c.name === best ? '*' : '',
            c.name,
            c.step,
            fixed(c.entropy, 4),
            c.inBand ? 'yes' : 'no',
            fixed(c.rewardMean, 3),
            c.validationAccuracy === undefined ? '' : fixed(c.validationAccuracy, 3),
            c.sizeBytes ? bytes(c.sizeBytes) : '',
            iso(c.createTime),
            c.uri,
          ]),
        ),
      );
    });
}
