import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChart } from './cli-support/chart-reader.js';
import { buildCli, cliEnv, parseJson, removeCliEnvs, runCli, startCli } from './cli-support/cli-runner.js';

// `aepo serve` and `aepo demo` with everything real: embedded Postgres, the API, an executor and the
// PyTorch engine on CPU (builtin:tiny-arith). One Postgres per test (each command starts its own).
const work = mkdtempSync(path.join(tmpdir(), 'aepo-cli-serve-'));
// As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
chmodSync(work, 0o755);

/** Processes whose command line mentions `needle` (to prove nothing was left running). */
function processesMentioning(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

async function waitFor(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(() => buildCli(), 300_000);
afterAll(() => {
  removeCliEnvs();
  rmSync(work, { recursive: true, force: true });
});

describe('aepo serve', () => {
  it('runs Postgres, the API and an executor; writes credentials; stops cleanly on SIGINT', async () => {
    const dataDir = path.join(work, 'serve');
    const keyFile = path.join(work, 'creds.json');
    const env = cliEnv();
    const serve = startCli(
      [
        'serve',
        '--data-dir',
        dataDir,
        '--grpc',
        '127.0.0.1:0',
        '--http',
        '127.0.0.1:0',
        '--key-file',
        keyFile,
      ],
      env,
      300_000,
    );
    let stdout = '';
    let stderr = '';
    serve.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    serve.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      () => {
        if (serve.child.exitCode !== null) throw new Error(`serve exited ${serve.child.exitCode}: ${stderr}`);
        return stdout.includes('Ctrl-C stops everything');
      },
      120_000,
      () => `stdout: ${stdout}\nstderr: ${stderr}`,
    );
    expect(stdout).toMatch(/^ {2}gRPC endpoint {5}127\.0\.0\.1:\d+/m);
    expect(stdout).toMatch(/^ {2}executor 0 metrics http:\/\/127\.0\.0\.1:\d+\/metrics$/m);

    const creds = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string | string[]>;
    const apiMetrics = await fetch(creds['apiMetricsUrl'] as string).then((r) => r.text());
    expect(apiMetrics).toContain('aepo_api_');
    const executorMetrics = await fetch((creds['executorMetricsUrls'] as string[])[0]!).then((r) => r.text());
    expect(executorMetrics).toContain('aepo_executor_');
    const client = {
      ...env,
      AEPO_ENDPOINT: creds['endpoint'] as string,
      AEPO_API_KEY: creds['apiKey'] as string,
    };
    expect(
      parseJson<{ jobs?: unknown[] }>(await runCli(['jobs', 'list', '--json'], client)).jobs ?? [],
    ).toEqual([]);
    const projects = parseJson<{ projects: { name: string }[] }>(
      await runCli(['admin', 'list-projects', '--json'], {
        ...client,
        AEPO_ADMIN_TOKEN: creds['adminToken'] as string,
      }),
    );
    expect(projects.projects.map((p) => p.name)).toContain(`projects/${creds['projectId'] as string}`);
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0); // Postgres runs from the data dir

    serve.child.kill('SIGINT');
    const done = await serve.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/SIGINT: stopping executors and the API…\nstopped\n$/);
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});

describe('aepo serve killed', () => {
  it('SIGKILL of `aepo serve`: its service process stops in order, engine and Postgres included', async () => {
    const dataDir = path.join(work, 'serve-killed');
    const serve = startCli(
      ['serve', '--data-dir', dataDir, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'],
      cliEnv(),
      300_000,
    );
    let stdout = '';
    serve.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // The service runs in a child process of `aepo serve` (its own process group, see supervise.ts).
    const service = () =>
      execFileSync('ps', ['-o', 'pid=', '--ppid', String(serve.child.pid)], { encoding: 'utf8' }).trim();
    await waitFor(
      () => stdout.includes('Ctrl-C stops everything') && service() !== '',
      120_000,
      () => stdout,
    );
    const servicePid = Number(service());
    const engine = () => processesMentioning(`aepo-engine-${servicePid}-0.sock`);
    await waitFor(
      () => engine().some((l) => l.includes('python')),
      240_000,
      () => stdout,
    );
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0);

    serve.child.kill('SIGKILL');
    await serve.done.catch(() => undefined);
    await waitFor(
      () => engine().length === 0 && processesMentioning(dataDir).length === 0 && !alive(servicePid),
      60_000,
      () => `still running:\n${[...engine(), ...processesMentioning(dataDir)].join('\n')}`,
    );
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('aepo demo', () => {
  it('trains on tiny-arith, shows each step, writes a chart of those steps, prints how to call the API', async () => {
    const out = path.join(work, 'chart', 'demo');
    const steps = 4;
    const demo = await runCli(
      [
        'demo',
        '--steps',
        String(steps),
        '--rows',
        '64',
        '--prompts-per-step',
        '4',
        '--samples-per-prompt',
        '4',
        '--data-dir',
        path.join(work, 'demo'),
        '--out',
        out,
        '--grpc',
        '127.0.0.1:0',
        '--http',
        '127.0.0.1:0',
        '--no-keep-running',
      ],
      cliEnv(),
      { timeoutMs: 400_000 },
    );
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    const stepLines = demo.stdout.split('\n').filter((l) => /^step \d+\/\d+ /.test(l));
    expect(stepLines.map((l) => l.split(' ')[1])).toEqual(
      Array.from({ length: steps }, (_, i) => `${i + 1}/${steps}`),
    );
    expect(demo.stdout).toMatch(
      /job projects\/[0-9a-f-]{36}\/jobs\/[0-9a-f-]{36} SUCCEEDED after 4\/4 steps/,
    );
    expect(demo.stdout).toMatch(/^ {2}API metrics {7}http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(demo.stdout).toMatch(
      /^ {2}grpcurl -plaintext -H 'authorization: Bearer aepo_\S+' -d '\{"parent": "projects\/[0-9a-f-]{36}\/jobs\/[0-9a-f-]{36}", "page_size": 5\}' 127\.0\.0\.1:\d+ aepo\.v1\.FineTuningService\/ListStepRecords$/m,
    );

    // The chart's one line is the job's steps, as streamed to the watch view (entropy to 4 decimals).
    const lines = readChart(readFileSync(`${out}.svg`, 'utf8'));
    expect(lines).toHaveLength(1);
    const streamed = stepLines.map((l) => Number(/ entropy (\S+) /.exec(l)![1]));
    expect(lines[0]!.points.map((p) => Math.round(p.step))).toEqual([1, 2, 3, 4]);
    lines[0]!.points.forEach((p, i) => expect(Math.abs(p.entropy - streamed[i]!)).toBeLessThan(0.01));
    expect(readFileSync(`${out}.png`).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(path.join(work, 'demo', 'postgres'))).toBe(true);
    expect(processesMentioning(path.join(work, 'demo'))).toEqual([]);
  });
});

describe('aepo serve and aepo demo without an engine', () => {
  // A machine where uv was never installed: no uv on PATH, none in ~/.local/bin (an empty HOME).
  const noUvEnv = () => {
    const home = mkdtempSync(path.join(tmpdir(), 'aepo-no-uv-home-'));
    const pathDirs = (process.env['PATH'] ?? '').split(path.delimiter);
    return cliEnv({
      HOME: home,
      PATH: pathDirs.filter((d) => d !== '' && !existsSync(path.join(d, 'uv'))).join(path.delimiter),
      // Python's user base defaults to $HOME/.local; one set elsewhere could hold a uv.
      PYTHONUSERBASE: path.join(home, '.local'),
    });
  };

  it.each(['serve', 'demo'])(
    '%s ends with one message naming the missing uv, exit 1, nothing left running',
    async (command) => {
      const env = noUvEnv();
      const dataDir = path.join(work, `no-uv-${command}`);
      const args = [command, '--data-dir', dataDir, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'];
      // Before the fix, both waited forever for an engine (a retry every 30 s): the run's own time
      // limit is the bound here.
      const res = await runCli(command === 'demo' ? [...args, '--no-keep-running'] : args, env, {
        timeoutMs: 180_000,
      });
      expect(res.code, res.stdout + res.stderr).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([
        `aepo: the engine cannot start: uv not found (looked in PATH, ${env['HOME']}/.local/bin): ` +
          'run scripts/setup.sh, or set AEPO_EXECUTOR_UV to the uv executable',
      ]);
      expect(processesMentioning(dataDir)).toEqual([]);
      rmSync(env['HOME']!, { recursive: true, force: true });
    },
  );
});
