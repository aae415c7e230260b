import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../output/cli-error.js';

/** What `aepo config set` stores (JSON, file mode 0600). */
export interface StoredConfig {
  endpoint?: string;
  apiKey?: string;
  adminToken?: string;
  /** PEM file of the CA that signed the API's certificate (for https:// endpoints). */
  caFile?: string;
}

export type ConfigKey = keyof StoredConfig;
export const CONFIG_KEYS: readonly ConfigKey[] = ['endpoint', 'apiKey', 'adminToken', 'caFile'];

/** Environment variable that overrides each stored key. */
export const CONFIG_ENV: Record<ConfigKey, string> = {
  endpoint: 'AEPO_ENDPOINT',
  apiKey: 'AEPO_API_KEY',
  adminToken: 'AEPO_ADMIN_TOKEN',
  caFile: 'AEPO_CA_FILE',
};

export const DEFAULT_ENDPOINT = '127.0.0.1:50051';

export type ConfigSource = 'flag' | 'env' | 'file' | 'default' | 'unset';

/** The connection settings in force, with where each one came from. */
export interface ResolvedConfig {
  path: string;
  endpoint: string;
  apiKey: string | undefined;
  adminToken: string | undefined;
  caFile: string | undefined;
  sources: Record<ConfigKey, ConfigSource>;
}

/** `--config`, else AEPO_CONFIG, else $XDG_CONFIG_HOME/aepo/config.json (~/.config when unset). */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env['AEPO_CONFIG']) return path.resolve(env['AEPO_CONFIG']);
  const base = env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config');
  return path.join(base, 'aepo', 'config.json');
}

export function readStoredConfig(file: string): StoredConfig {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`config file ${file} is not valid JSON: ${(err as Error).message}`, ExitCode.USAGE);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError(`config file ${file} must hold a JSON object`, ExitCode.USAGE);
  const out: StoredConfig = {};
  for (const key of CONFIG_KEYS) {
    const v = (parsed as Record<string, unknown>)[key];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** Writes atomically with mode 0600 (the file holds secrets); the folder gets 0700 when created. */
export function writeStoredConfig(file: string, config: StoredConfig): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** True when group or others may read the file (a leaked secret waiting to happen). */
export function isTooOpen(file: string): boolean {
  return existsSync(file) && (statSync(file).mode & 0o077) !== 0;
}

/** Flags beat environment, environment beats the file, the file beats the defaults. */
export function resolveConfig(
  flags: { config?: string; endpoint?: string; apiKey?: string; adminToken?: string; caFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const file = configPath(flags.config, env);
  const stored = readStoredConfig(file);
  const sources = {} as Record<ConfigKey, ConfigSource>;
  const pick = (key: ConfigKey): string | undefined => {
    const fromFlag = flags[key];
    const fromEnv = env[CONFIG_ENV[key]];
    if (fromFlag) return ((sources[key] = 'flag'), fromFlag);
    if (fromEnv) return ((sources[key] = 'env'), fromEnv);
    if (stored[key]) return ((sources[key] = 'file'), stored[key]);
    sources[key] = 'unset';
    return undefined;
  };
  const endpoint = pick('endpoint');
  const apiKey = pick('apiKey');
  const adminToken = pick('adminToken');
  const caFile = pick('caFile');
  if (endpoint === undefined) sources.endpoint = 'default';
  return { path: file, endpoint: endpoint ?? DEFAULT_ENDPOINT, apiKey, adminToken, caFile, sources };
}

/** Shows enough of a secret to recognise it. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  return secret.length <= 8 ? '****' : `${secret.slice(0, 8)}…(${secret.length} chars)`;
}
