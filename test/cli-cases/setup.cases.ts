import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, parseJson, runCli } from '../cli-support/cli-runner.js';
import { env, work, aepo, expectError, tinyArith, names, NO_SUCH_ID } from './fixture.js';

// Cases of cli.e2e-spec.ts: `aepo config`, `aepo admin` and `aepo datasets`.
describe('aepo config', () => {
  it('stores the endpoint and key in a 0600 file; env beats the file; flags beat env', async () => {
    const own = cliEnv();
    const set = await runCli(
      ['config', 'set', '--endpoint', '10.0.0.1:1234', '--api-key', 'secret-key-123456'],
      own,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(statSync(own.AEPO_CONFIG!).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(own.AEPO_CONFIG!, 'utf8'))).toEqual({
      endpoint: '10.0.0.1:1234',
      apiKey: 'secret-key-123456',
    });

    const shown = parseJson<Record<string, { value: string; source: string }>>(
      await runCli(['config', 'show', '--json'], { ...own, AEPO_ENDPOINT: 'env-host:9' }),
    );
    expect(shown['endpoint']).toEqual({ value: 'env-host:9', source: 'env' });
    expect(shown['apiKey']!.source).toBe('file');
    expect(shown['apiKey']!.value).not.toContain('secret-key-123456');
    expect(shown['adminToken']!.source).toBe('unset');

    const flagged = parseJson<Record<string, { value: string; source: string }>>(
      await runCli(['--endpoint', 'flag-host:7', 'config', 'show', '--json'], {
        ...own,
        AEPO_ENDPOINT: 'env-host:9',
      }),
    );
    expect(flagged['endpoint']).toEqual({ value: 'flag-host:7', source: 'flag' });

    const table = await runCli(['config'], own);
    expect(table.stdout).toMatch(/endpoint\s+10\.0\.0\.1:1234\s+file/);

    const unset = await runCli(['config', 'unset', 'api-key'], own);
    expect(unset.code).toBe(0);
    expect(JSON.parse(readFileSync(own.AEPO_CONFIG!, 'utf8'))).toEqual({ endpoint: '10.0.0.1:1234' });
  });

  it('rejects an empty set and unknown keys (usage errors, exit 2)', async () => {
    const own = cliEnv();
    expectError(await runCli(['config', 'set'], own), 2, /^aepo: nothing to set/);
    expectError(await runCli(['config', 'unset', 'colour'], own), 2, /^aepo: unknown key "colour"/);
  });
});

describe('aepo admin', () => {
  it('creates a project (table and --json) and a key saved to the config', async () => {
    const table = await aepo(['admin', 'create-project', 'cli table project']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^project:\s+projects\/[0-9a-f-]{36}$/m);

    const created = parseJson<{ project: { name: string; displayName: string; createTime: string } }>(
      await aepo(['admin', 'create-project', 'cli e2e', '--json']),
    );
    expect(created.project.displayName).toBe('cli e2e');
    expect(created.project.name).toMatch(/^projects\/[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.project.createTime))).toBe(false);
    names.project = created.project.name;

    // The project's bare id works as well as its name.
    const bareProjectId = names.project.slice('projects/'.length);
    const key = parseJson<{ apiKey: { name: string; prefix: string }; secret: string }>(
      await aepo(['admin', 'create-key', bareProjectId, '--name', 'ci', '--save', '--json']),
    );
    expect(key.apiKey.name).toMatch(new RegExp(`^${names.project}/apiKeys/[0-9a-f-]{36}$`));
    expect(key.secret.startsWith(key.apiKey.prefix)).toBe(true);
    expect(JSON.parse(readFileSync(env.AEPO_CONFIG!, 'utf8')).apiKey).toBe(key.secret);

    const list = parseJson<{ projects: { name: string }[] }>(
      await aepo(['admin', 'list-projects', '--json']),
    );
    expect(list.projects.map((p) => p.name)).toContain(names.project);
  });

  it('answers bad input with the gRPC status, the field and exit 10 + code', async () => {
    expectError(await aepo(['admin', 'create-project', '']), 13, /^aepo: INVALID_ARGUMENT: display_name: /);
    expectError(await aepo(['admin', 'create-key', NO_SUCH_ID]), 15, /^aepo: NOT_FOUND: /);
    expectError(await aepo(['admin', 'create-key', `projects/${NO_SUCH_ID}`]), 15, /^aepo: NOT_FOUND: /);
    // A name of the wrong shape never reaches the server: a usage error naming the expected form.
    const wrongKind = await aepo(['admin', 'create-key', `projects/${NO_SUCH_ID}/jobs/${NO_SUCH_ID}`]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/expected a project id or a name like projects\/\{project\}/);
    expectError(
      await aepo(['--admin-token', 'wrong-token-0123456789', 'admin', 'create-project', 'x']),
      26,
      /^aepo: UNAUTHENTICATED: /,
    );
  });
});

describe('aepo datasets', () => {
  it('uploads JSONL, lists, gets and deletes', async () => {
    const file = path.join(work, 'arith.jsonl');
    writeFileSync(file, tinyArith(30) + '\n');
    const up = await aepo(['datasets', 'upload', file, '--name', 'arith', '--label', 'kind=tiny']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^NAME\s+DISPLAY_NAME\s+ROWS/);
    expect(up.stdout).toMatch(/^projects\/[0-9a-f-]{36}\/datasets\/[0-9a-f-]{36}\s+arith\s+30\s/m);

    const json = parseJson<{ dataset: { name: string; rowCount: number; sha256: string; labels: object } }>(
      await aepo(['datasets', 'upload', '-', '--name', 'from-stdin', '--json'], tinyArith(1200)),
    );
    expect(json.dataset.rowCount).toBe(1200); // more than one upload message
    expect(json.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.dataset.name.startsWith(`${names.project}/datasets/`)).toBe(true);
    names.dataset = json.dataset.name;

    const list = parseJson<{ datasets: { name: string; displayName: string }[] }>(
      await aepo(['datasets', 'list', '--json']),
    );
    expect(list.datasets.map((d) => d.displayName)).toEqual(['from-stdin', 'arith']);
    const paged = parseJson<{ datasets: unknown[]; nextPageToken: string }>(
      await aepo(['datasets', 'list', '--page-size', '1', '--json']),
    );
    expect(paged.datasets).toHaveLength(1);
    expect(paged.nextPageToken).not.toBe('');
    const all = parseJson<{ datasets: unknown[] }>(
      await aepo(['datasets', 'list', '--page-size', '1', '--all', '--json']),
    );
    expect(all.datasets).toHaveLength(2);

    const got = await aepo(['datasets', 'get', names.dataset]);
    expect(got.stdout).toMatch(new RegExp(`^name:\\s+${names.dataset}$`, 'm'));
    expect(got.stdout).toMatch(/^rows:\s+1200$/m);
    // A bare id is expanded to projects/-/datasets/{id}; the answer carries the full name.
    const bareId = names.dataset.slice(names.dataset.lastIndexOf('/') + 1);
    const gotJson = parseJson<{ dataset: { name: string } }>(
      await aepo(['datasets', 'get', bareId, '--json']),
    );
    expect(gotJson.dataset.name).toBe(names.dataset);

    const other = list.datasets.find((d) => d.displayName === 'arith')!.name;
    const del = parseJson<{ name: string; deleted: boolean }>(
      await aepo(['datasets', 'delete', other, '--json']),
    );
    expect(del).toEqual({ name: other, deleted: true });
    expectError(await aepo(['datasets', 'get', other]), 15, /^aepo: NOT_FOUND: /);
    const wrongKind = await aepo(['datasets', 'get', `projects/-/jobs/${NO_SUCH_ID}`]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(
      /expected a dataset id or a name like projects\/-\/datasets\/\{dataset\}/,
    );
  });

  it('names the bad row, and refuses a missing file or key', async () => {
    const bad = [tinyArith(2), JSON.stringify({ prompt: '1+1=', answer: '' })].join('\n');
    expectError(
      await aepo(['datasets', 'upload', '-'], bad),
      13,
      /^aepo: INVALID_ARGUMENT: rows\[3\]\.answer: /,
    );
    expectError(
      await aepo(['datasets', 'upload', path.join(work, 'nope.jsonl')]),
      2,
      /^aepo: no such file: /,
    );
    const noKey = cliEnv({ AEPO_ENDPOINT: env.AEPO_ENDPOINT! });
    expectError(await runCli(['datasets', 'list'], noKey), 2, /^aepo: no API key: /);
  });
});
