import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { resolveConfig, type ResolvedConfig } from '../config/cli-config.js';
import { CliError, ExitCode } from '../output/cli-error.js';

/** Options of the root `aepo` command, visible to every subcommand. */
export interface GlobalOptions {
  endpoint?: string;
  apiKey?: string;
  adminToken?: string;
  caFile?: string;
  config?: string;
  timeout?: number;
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function configOf(cmd: Command): ResolvedConfig {
  return resolveConfig(globalsOf(cmd));
}

/** Runs `fn` with a client built from the resolved config and closes it afterwards. */
export async function withClient<T>(cmd: Command, fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const g = globalsOf(cmd);
  const cfg = resolveConfig(g);
  const client = new ApiClient({
    endpoint: cfg.endpoint,
    apiKey: cfg.apiKey,
    adminToken: cfg.adminToken,
    caFile: cfg.caFile,
    timeoutSeconds: g.timeout,
  });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

// Option parsers (commander calls them with the raw string; errors become usage errors, exit 2).

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

export function numberArg(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

/** Collects repeated `--label key=value` flags into a map. */
export function labelArg(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [raw.slice(0, eq)]: raw.slice(eq + 1) };
}

export function usage(message: string): CliError {
  return new CliError(message, ExitCode.USAGE);
}
