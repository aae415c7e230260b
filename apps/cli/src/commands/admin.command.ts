import { Command } from 'commander';
import { CreateApiKeyResponse, CreateProjectResponse, ListProjectsResponse } from '@aepo/contracts';
import { expandName } from '../client/name-args.js';
import { readStoredConfig, writeStoredConfig } from '../config/cli-config.js';
import { age, iso, json } from '../output/format.js';
import { renderFields, renderTable } from '../output/table.js';
import { configOf, print, withClient } from './command-context.js';

/** `aepo admin …`: projects and API keys (needs the server's admin token). */
export function adminCommand(): Command {
  const cmd = new Command('admin').description('projects and API keys (needs the admin token)');

  cmd
    .command('create-project')
    .description('create a project')
    .argument('<name>', 'display name')
    .option('--json', 'print the response as JSON')
    .action(async (name: string, o: { json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) =>
        client.callAdmin(client.admin.createProject, { displayName: name }),
      );
      if (o.json) return print(json(CreateProjectResponse.toJSON(res)));
      const p = res.project;
      if (p)
        print(
          renderFields([
            ['project', p.name],
            ['display name', p.displayName],
            ['created', iso(p.createTime)],
          ]),
        );
    });

  cmd
    .command('list-projects')
    .description('list projects, oldest first')
    .option('--json', 'print the response as JSON')
    .action(async (o: { json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) =>
        client.callAdmin(client.admin.listProjects, { pageSize: 1000, pageToken: '' }),
      );
      if (o.json) return print(json(ListProjectsResponse.toJSON(res)));
      print(
        renderTable(
          ['name', 'display_name', 'age'],
          res.projects.map((p) => [p.name, p.displayName, age(p.createTime)]),
        ),
      );
    });

  cmd
    .command('create-key')
    .description('create an API key for a project; the secret is shown once')
    .argument('<project>', 'project name (projects/{project}) or bare project id', (raw: string) =>
      expandName('project', raw),
    )
    .option('--name <name>', 'display name of the key', '')
    .option('--save', 'also store the secret as the API key in the config file')
    .option('--json', 'print the response as JSON')
    .action(async (parent: string, o: { name: string; save?: boolean; json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) =>
        client.callAdmin(client.admin.createApiKey, { parent, displayName: o.name }),
      );
      if (o.save) {
        const file = configOf(self).path;
        writeStoredConfig(file, { ...readStoredConfig(file), apiKey: res.secret });
      }
      if (o.json) return print(json(CreateApiKeyResponse.toJSON(res)));
      const k = res.apiKey;
      print(
        renderFields([
          ['key', k?.name],
          ['display name', k?.displayName],
          ['secret', res.secret],
        ]),
      );
      print(
        o.save ? 'saved as the API key in ' + configOf(self).path : 'store it now: it is not shown again',
      );
    });

  return cmd;
}
