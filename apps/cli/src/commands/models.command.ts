import { Command } from 'commander';
import type { GetArtifactDownloadUrlsRequest } from '@aepo/contracts';
import { jobArg } from '../client/name-args.js';
import { pullFiles } from '../models/model-download.js';
import { bytes, json } from '../output/format.js';
import { intArg, print, usage, withClient } from './command-context.js';

interface PullOptions {
  checkpoint?: number;
  best?: boolean;
  output: string;
  json?: boolean;
}

export function modelsCommand(): Command {
  const models = new Command('models').description(
    "jobs' trained models (needs an object store on the server)",
  );
  models
    .command('pull')
    .description(
      "download a job's model (by default the one exported when it succeeded) into a folder and verify every file's sha256",
    )
    .argument('<job>', 'job name (projects/{project}/jobs/{job}) or bare job id', jobArg)
    .option('--checkpoint <step>', 'the checkpoint saved after this step instead', intArg(0))
    .option('--best', 'the best checkpoint inside the entropy band instead')
    .requiredOption('-o, --output <dir>', 'folder to write the model into (a Hugging Face model folder)')
    .option('--json', 'print the pulled files as JSON')
    .action(async (name: string, o: PullOptions, self: Command) => {
      if (o.checkpoint !== undefined && o.best) throw usage('--checkpoint and --best exclude each other');
      const req: GetArtifactDownloadUrlsRequest = {
        name,
        urlTtlSeconds: 0,
        ...(o.checkpoint !== undefined
          ? { checkpointStep: o.checkpoint }
          : o.best
            ? { bestCheckpoint: true }
            : { exportedModel: true }),
      };
      const res = await withClient(self, (client) => client.call(client.ft.getArtifactDownloadUrls, req));
      const files = await pullFiles(res.files, o.output);
      if (o.json) return print(json({ job: name, step: res.step, uri: res.uri, output: o.output, files }));
      const total = files.reduce((s, f) => s + f.sizeBytes, 0);
      print(
        `pulled ${files.length} files (${bytes(total)}, sha256 verified) of step ${res.step} from ${res.uri} into ${o.output}`,
      );
    });
  return models;
}
