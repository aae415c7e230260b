import { Command } from 'commander';
import path from 'node:path';
import {
  CONFIG_ENV,
  CONFIG_KEYS,
  isTooOpen,
  maskSecret,
  readStoredConfig,
  writeStoredConfig,
  type ConfigKey,
} from '../config/cli-config.js';
import { json } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { configOf, print, usage, type GlobalOptions } from './command-context.js';

const KEY_NAMES: Record<string, ConfigKey> = {
  endpoint: 'endpoint',
  'api-key': 'apiKey',
  'admin-token': 'adminToken',
  'ca-file': 'caFile',
};

/** `aepo config set|show|unset|path`: the stored endpoint and secrets (file mode 0600). */
export function configCommand(): Command {
  const cmd = new Command('config').description(
    `connection settings, stored in a 0600 file (${Object.values(CONFIG_ENV).join(', ')} override it)`,
  );

  // --endpoint, --api-key and --admin-token are the root command's options (accepted anywhere on the
  // line), so `set` reads them from there.
  cmd
    .command('set')
    .description('store the endpoint, API key and/or admin token: aepo config set --endpoint H:P --api-key K')
    .option('--json', 'print the result as JSON')
    .action((_o: unknown, self: Command) => {
      const o = self.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const updates: Partial<Record<ConfigKey, string>> = {};
      const updated: ConfigKey[] = [];
      for (const key of CONFIG_KEYS) {
        const v = o[key];
        if (v !== undefined) {
          if (v.trim() === '') throw usage(`--${flagOf(key)} must not be empty`);
          // A stored CA path must not depend on the folder a later command runs in.
          updates[key] = key === 'caFile' ? path.resolve(v.trim()) : v.trim();
          updated.push(key);
        }
      }
      if (updated.length === 0)
        throw usage('nothing to set: pass --endpoint, --api-key, --admin-token and/or --ca-file');
      const file = configOf(self).path;
      writeStoredConfig(file, { ...readStoredConfig(file), ...updates });
      if (o.json) print(json({ path: file, updated: updated.map(flagOf) }));
      else print(`saved ${updated.map(flagOf).join(', ')} to ${file}`);
    });

  cmd
    .command('unset')
    .description('remove stored keys')
    .argument('<keys...>', `any of: ${Object.keys(KEY_NAMES).join(', ')}`)
    .action((keys: string[], _o: unknown, self: Command) => {
      const file = configOf(self).path;
      const stored = readStoredConfig(file);
      for (const k of keys) {
        const key = KEY_NAMES[k];
        if (!key) throw usage(`unknown key "${k}" (expected one of ${Object.keys(KEY_NAMES).join(', ')})`);
        delete stored[key];
      }
      writeStoredConfig(file, stored);
      print(`removed ${keys.join(', ')} from ${file}`);
    });

  cmd
    .command('show', { isDefault: true })
    .description('show the settings in force and where each comes from (secrets masked)')
    .option('--json', 'print as JSON')
    .action((o: { json?: boolean }, self: Command) => {
      const cfg = configOf(self);
      const values: Record<ConfigKey, string> = {
        endpoint: cfg.endpoint,
        apiKey: maskSecret(cfg.apiKey),
        adminToken: maskSecret(cfg.adminToken),
        caFile: cfg.caFile ?? '',
      };
      if (o.json) {
        print(
          json({
            path: cfg.path,
            ...Object.fromEntries(CONFIG_KEYS.map((k) => [k, { value: values[k], source: cfg.sources[k] }])),
          }),
        );
        return;
      }
      print(
        renderTable(
          ['key', 'value', 'source'],
          CONFIG_KEYS.map((k) => [flagOf(k), values[k] || '-', sourceText(k, cfg.sources[k])]),
        ),
      );
      print(`\nconfig file: ${cfg.path}`);
      if (isTooOpen(cfg.path)) print(`warning: ${cfg.path} is readable by others; run chmod 600 on it`);
    });

  cmd
    .command('path')
    .description('print the config file path')
    .action((_o: unknown, self: Command) => print(configOf(self).path));

  return cmd;
}

function flagOf(key: ConfigKey): string {
  return Object.entries(KEY_NAMES).find(([, v]) => v === key)?.[0] ?? key;
}

function sourceText(key: ConfigKey, source: string): string {
  return source === 'env' ? `env ${CONFIG_ENV[key]}` : source;
}
