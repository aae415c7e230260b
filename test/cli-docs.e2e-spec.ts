import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../apps/gpu-executor/src/config/executor-config.js';
import { CONFIG_ENV } from '../apps/cli/src/config/cli-config.js';

// The README's configuration table must name every environment variable every process reads.
const root = new URL('../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const readme = read('README.md');

function documented(name: string): boolean {
  return readme.includes(`\`${name}\``);
}

describe('README configuration table', () => {
  it('lists every API variable (apps/api/src/config/api-config.ts)', () => {
    const source = read('apps/api/src/config/api-config.ts');
    const schema = source.slice(source.indexOf('const envSchema'), source.indexOf('export type ApiEnv'));
    const names = [...schema.matchAll(/^ {2}((?:AEPO|DATABASE)_[A-Z_]+|DATABASE_URL):/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !documented(n))).toEqual([]);
  });

  it('lists every executor variable (ENV_NAMES)', () => {
    const names = Object.values(ENV_NAMES);
    expect(names.filter((n) => !documented(n))).toEqual([]);
  });

  it('lists every engine setting (EngineSettings fields, prefix AEPO_ENGINE_)', () => {
    const source = read('apps/gpu-executor/engine/aepo_engine/config.py');
    const body = source.slice(source.indexOf('class EngineSettings'));
    const names = [...body.matchAll(/^ {4}([a-z_]+): /gm)]
      .map((m) => m[1]!)
      .filter((f) => f !== 'model_config')
      .map((f) => `AEPO_ENGINE_${f.toUpperCase()}`);
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => !documented(n))).toEqual([]);
  });

  it('lists the CLI variables', () => {
    expect([...Object.values(CONFIG_ENV), 'AEPO_CONFIG'].filter((n) => !documented(n))).toEqual([]);
  });

  it('shows the two quick-start commands and the demo chart', () => {
    expect(readme).toMatch(/^npm run demo\b/m);
    expect(readme).toMatch(/^npm test\b/m);
    const chart = /!\[[^\]]*\]\((docs\/images\/[^)]+\.png)\)/.exec(readme)?.[1];
    expect(chart).toBeDefined();
    expect(readFileSync(new URL(chart!, root)).subarray(1, 4).toString()).toBe('PNG');
  });
});
