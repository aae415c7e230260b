import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { LocalStack, LocalStackOptions } from '../stack/local-stack.js';
import { loadLocalStack, onShutdownSignal, superviseInOwnProcessGroup } from '../stack/supervise.js';
import { CliError, ExitCode } from '../output/cli-error.js';
import { intArg } from './command-context.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function logLevelArg(raw: string): LocalStackOptions['logLevel'] {
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
  return raw as LocalStackOptions['logLevel'];
}

export function hostPortArg(raw: string): string {
  if (!/^[^\s:]+:\d{1,5}$/.test(raw))
    throw new InvalidArgumentError('expected host:port (port 0 picks a free one)');
  return raw;
}

/** Adds the options `serve` and `demo` share. */
export function addStackOptions(cmd: Command, defaults: { dataDir: string; executors: number }): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'embedded Postgres data and checkpoints (ignored for the DB with DATABASE_URL)',
      defaults.dataDir,
    )
    .option('--grpc <host:port>', 'gRPC listen address', hostPortArg, '127.0.0.1:50051')
    .option('--http <host:port>', 'HTTP /metrics /healthz listen address', hostPortArg, '127.0.0.1:8080')
    .option(
      '--executors <n>',
      'local executors (each runs one CPU engine)',
      intArg(0, 64),
      defaults.executors,
    )
    .option('--engine-threads <n>', 'torch threads per engine (default: cores / executors)', intArg(1, 1024))
    .option(
      '--log-level <level>',
      `log level of the API and executors: ${LOG_LEVELS.join(', ')}`,
      logLevelArg,
    );
}

export interface StackFlags {
  dataDir: string;
  grpc: string;
  http: string;
  executors: number;
  engineThreads?: number;
  logLevel?: LocalStackOptions['logLevel'];
}

export function stackOptions(o: StackFlags, logLevel: LocalStackOptions['logLevel']): LocalStackOptions {
  return {
    dataDir: o.dataDir,
    databaseUrl: process.env['DATABASE_URL'] || undefined,
    grpcAddress: o.grpc,
    httpAddress: o.http,
    executors: o.executors,
    engineThreads: o.engineThreads,
    adminToken: process.env['AEPO_ADMIN_TOKEN'] || undefined,
    logLevel: o.logLevel ?? logLevel,
  };
}

/** The endpoints of a running stack, for people. */
export function describeStack(stack: LocalStack, o: { dataDir: string }): string[] {
  return [
    `  gRPC endpoint     ${stack.grpcAddress}   (reflection on: grpcurl -plaintext ${stack.grpcAddress} list)`,
    `  API metrics       ${stack.apiMetricsUrl}`,
    ...stack.executorMetricsUrls.map((u, i) => `  executor ${i} metrics ${u}`),
    `  database          ${process.env['DATABASE_URL'] ? 'DATABASE_URL' : `embedded Postgres in ${o.dataDir}/postgres`}`,
  ];
}

function savedAdminToken(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { adminToken?: unknown };
    return typeof saved.adminToken === 'string' && saved.adminToken.length >= 16
      ? saved.adminToken
      : undefined;
  } catch {
    return undefined;
  }
}

export function serveCommand(): Command {
  return addStackOptions(
    new Command('serve').description(
      'run the service locally: embedded Postgres (or DATABASE_URL), the API and N executors with the CPU engine',
    ),
    { dataDir: '.data/aepo', executors: 1 },
  )
    .option('--project <name>', 'bootstrap project created at start', 'local')
    .option(
      '--key-file <file>',
      'write the bootstrap credentials here (JSON, mode 0600) instead of printing the key',
    )
    .action(async (o: StackFlags & { project: string; keyFile?: string }) => {
      const supervised = superviseInOwnProcessGroup();
      if (supervised) {
        process.exitCode = await supervised;
        return;
      }
      const { startLocalStack } = await loadLocalStack();
      const opts = { ...stackOptions(o, 'warn'), bootstrapProject: o.project, bootstrapFile: o.keyFile };
      // A restart with the same key file keeps the admin token (the API keeps the project and key).
      if (!opts.adminToken && o.keyFile) opts.adminToken = savedAdminToken(o.keyFile);
      const stack = await startLocalStack(opts);
      const creds = {
        endpoint: stack.grpcAddress,
        projectId: stack.bootstrap?.projectId ?? '',
        apiKey: stack.bootstrap?.apiKey ?? '',
        adminToken: stack.adminToken,
        apiMetricsUrl: stack.apiMetricsUrl,
        executorMetricsUrls: stack.executorMetricsUrls,
      };
      const lines = ['aepo serve: ready', ...describeStack(stack, o)];
      if (o.keyFile) {
        writeFileSync(o.keyFile, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
        lines.push(`  credentials       written to ${o.keyFile} (project, API key, admin token)`);
      } else {
        lines.push(
          `  project           ${creds.projectId}`,
          `  API key           ${creds.apiKey}`,
          `  admin token       ${creds.adminToken}`,
        );
      }
      lines.push(
        '',
        'point the CLI at it:',
        `  aepo config set --endpoint ${stack.grpcAddress} --api-key ${o.keyFile ? '<apiKey from the key file>' : creds.apiKey}`,
        'Ctrl-C stops everything.',
      );
      process.stdout.write(lines.join('\n') + '\n');
      const failure = await new Promise<Error | null>((resolve) => {
        const off = onShutdownSignal(async (signal) => {
          process.stdout.write(`${signal}: stopping executors and the API…\n`);
          await stack.close();
          off();
          process.stdout.write('stopped\n');
          resolve(null);
        });
        // An executor without an engine is of no use: stop everything and say why, once.
        void stack.failed.then(async (err) => {
          off();
          await stack.close();
          resolve(err);
        });
      });
      if (failure) throw new CliError(failure.message, ExitCode.INTERNAL);
    });
}
