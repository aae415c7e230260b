import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '../../apps/api/src/testing/test-api.js';
import { buildCli, cliEnv, removeCliEnvs, runCli, type CliResult } from '../cli-support/cli-runner.js';

/**
 * What every case of cli.e2e-spec.ts runs against: the real `aepo` bin (child processes) and a real
 * API on an embedded Postgres, one for the whole file (importing this module registers set-up and
 * tear-down). The bindings are live: read them inside tests.
 */
export let api: TestApi;
export let env: Record<string, string>;
export const work = mkdtempSync(path.join(tmpdir(), 'aepo-cli-e2e-'));
export const aepo = (args: string[], input?: string) => runCli(args, env, { input });

export function expectError(r: CliResult, exitCode: number, pattern: RegExp): void {
  expect(r.code, r.stderr + r.stdout).toBe(exitCode);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

export function tinyArith(n: number): string {
  return Array.from({ length: n }, (_, i) => {
    const a = (i * 37) % 100;
    const b = (i * 53 + 11) % 100;
    return JSON.stringify({ prompt: `${a}+${b}=`, answer: String(a + b) });
  }).join('\n');
}

beforeAll(async () => {
  await Promise.all([buildCli(), (async () => (api = await startTestApi()))()]);
  env = cliEnv({ AEPO_ENDPOINT: api.api.grpcAddress, AEPO_ADMIN_TOKEN: ADMIN_TOKEN });
}, 300_000);

afterAll(async () => {
  await api?.close();
  removeCliEnvs();
  rmSync(work, { recursive: true, force: true });
});

/** Resource names one case creates and later cases use (the cases run in order, in one file). */
export const names = { project: '', dataset: '' };

/** A UUID that names nothing. */
export const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
