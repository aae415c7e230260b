import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = path.join(REPO_ROOT, 'apps/cli/dist/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Compiles the CLI (incremental: a no-op when dist is current) so tests run the real `aepo` bin. */
export async function buildCli(): Promise<void> {
  await promisify(execFile)('npx', ['tsc', '-b', 'apps/cli/tsconfig.json'], {
    cwd: REPO_ROOT,
    timeout: 300_000,
  });
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} missing after the build`);
}

const envDirs: string[] = [];

/** Removes the config folders made by cliEnv (call in afterAll). */
export function removeCliEnvs(): void {
  for (const dir of envDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * An isolated environment for the CLI: its own config file, nothing inherited that could point it
 * elsewhere (AEPO_* of the developer's shell are dropped).
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AEPO_')) env[k] = v;
  const dir = mkdtempSync(path.join(tmpdir(), 'aepo-cli-test-'));
  envDirs.push(dir);
  return { ...env, AEPO_CONFIG: path.join(dir, 'config.json'), NO_COLOR: '1', ...extra };
}

/** Runs `aepo <args>` as a child process (asynchronously: the API may live in this process). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env, cwd: REPO_ROOT });
    collect(child, opts.timeoutMs ?? 60_000).then(resolve, reject);
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts `aepo <args>` and returns the child plus a promise of its result. */
export function startCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { env, cwd: REPO_ROOT });
  child.stdin.end();
  return { child, done: collect(child, timeoutMs) };
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aepo timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** Parses stdout as JSON, with the output in the error when it is not. */
export function parseJson<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
