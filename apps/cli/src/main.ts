#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { adminCommand } from './commands/admin.command.js';
import { chartCommand } from './commands/chart.command.js';
import { checkpointsCommand } from './commands/checkpoints.command.js';
import { intArg } from './commands/command-context.js';
import { configCommand } from './commands/config.command.js';
import { datasetsCommand } from './commands/datasets.command.js';
import { demoCommand } from './commands/demo.command.js';
import { gradeCommand } from './commands/grade.command.js';
import { jobsCommand } from './commands/jobs.command.js';
import { metricsCommand } from './commands/metrics.command.js';
import { modelsCommand } from './commands/models.command.js';
import { serveCommand } from './commands/serve.command.js';
import { webhooksCommand } from './commands/webhooks.command.js';
import { ExitCode, toCliError } from './output/cli-error.js';

// A thin registry: each subcommand lives in ./commands/<name>.command.ts and is added here.
const program = new Command('aepo')
  .description('AEPO fine-tuning service command line')
  .option('--endpoint <host:port>', 'API endpoint (env AEPO_ENDPOINT; https://host:port for TLS)')
  .option('--api-key <key>', 'project API key (env AEPO_API_KEY)')
  .option('--admin-token <token>', 'admin token for `aepo admin` (env AEPO_ADMIN_TOKEN)')
  .option('--ca-file <pem>', 'CA of the API certificate, for https:// endpoints (env AEPO_CA_FILE)')
  .option('--config <file>', 'config file (env AEPO_CONFIG; default ~/.config/aepo/config.json)')
  .option('--timeout <seconds>', 'deadline of each call', intArg(1, 3600), 30)
  .showHelpAfterError('(run with --help for usage)');
program.addCommand(configCommand());
program.addCommand(datasetsCommand());
program.addCommand(jobsCommand());
program.addCommand(metricsCommand());
program.addCommand(checkpointsCommand());
program.addCommand(webhooksCommand());
program.addCommand(modelsCommand());
program.addCommand(chartCommand());
program.addCommand(adminCommand());
program.addCommand(serveCommand());
program.addCommand(demoCommand());
program.addCommand(gradeCommand());

// Usage mistakes exit 2 (commander's default is 1, which we keep for unexpected failures).
const override = (cmd: Command): void => {
  cmd.exitOverride();
  cmd.commands.forEach(override);
};
override(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : ExitCode.USAGE;
  } else {
    const e = toCliError(err);
    process.stderr.write(`aepo: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}
