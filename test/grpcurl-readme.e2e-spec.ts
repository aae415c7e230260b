/**
 * The README's grpcurl commands, verbatim, against a real API process (embedded Postgres): grpcurl
 * learns every type from the server's reflection, so this fails when reflection serves incomplete
 * descriptors (e.g. `cannot resolve type: "*.google.protobuf.Timestamp" not found`). Only the
 * placeholders change: the address, $KEY, <dataset>, <job> (names) and <job-id> (the bare id). grpcurl is installed once into
 * .cache/tools (test/tools/install-grpcurl.sh, from the Go module proxy).
 */
import { JobState, parseResourceName } from '@aepo/contracts';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  PublicClient,
  REPO_ROOT,
  buildApps,
  freePort,
  startApi,
  tinyArithRows,
} from './support/executor-processes.js';

const README_ADDRESS = 'localhost:50051';
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-grpcurl-'));
let grpcurl: string;
let api: ApiProcess;
let client: PublicClient;
/** Name of the uploaded dataset. */
let dataset: string;

/** The grpcurl commands of the README's grpcurl block, each as written (continuation lines included). */
function readmeCommands(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /The same calls with \[grpcurl\][^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md: the grpcurl block is missing');
  const commands: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('grpcurl ')) commands.push(line);
    else if (commands.length > 0 && line.trim() !== '') commands[commands.length - 1] += `\n${line}`;
  }
  return commands;
}

/** Runs one README command in bash with the placeholders filled in. */
function shell(command: string, fill: Record<string, string>) {
  let script = command.replaceAll(README_ADDRESS, api.grpcAddress);
  for (const [from, to] of Object.entries(fill)) script = script.replaceAll(from, to);
  return spawn('bash', ['-c', script], {
    env: { ...process.env, KEY: api.apiKey!, PATH: `${path.dirname(grpcurl)}:${process.env['PATH']}` },
  });
}

async function run(command: string, fill: Record<string, string> = {}): Promise<string> {
  const child = shell(command, fill);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`exit ${String(code)}: ${command}\n${err}${out}`);
  return out;
}

beforeAll(async () => {
  const install = promisify(execFile)('bash', [path.join(REPO_ROOT, 'test/tools/install-grpcurl.sh')], {
    timeout: 1_200_000,
  });
  await buildApps();
  grpcurl = `${(await install).stdout.trim()}`;
  // Named plain `grpcurl` on PATH, as the README calls it.
  execFileSync('ln', ['-sf', grpcurl, path.join(dir, 'grpcurl')]);
  grpcurl = path.join(dir, 'grpcurl');
  api = await startApi({
    dataDir: dir,
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    bootstrap: true,
  });
  client = new PublicClient(api.grpcAddress, api.apiKey!);
  dataset = await client.uploadDataset('tiny-arith', tinyArithRows(32, 1));
}, 1_500_000);

afterAll(async () => {
  client?.close();
  await api?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's grpcurl commands", () => {
  it('run as written against the server: list, health, CreateJob, StreamStepRecords, UpdateJob, GetJob', async () => {
    const [list, health, create, stream, update, get, ...rest] = readmeCommands();
    expect(rest).toEqual([]);
    expect(list).toMatch(/ list$/);

    const services = (await run(list!)).trim().split('\n');
    expect(services).toEqual(
      expect.arrayContaining([
        'aepo.v1.FineTuningService',
        'aepo.v1.AdminService',
        'aepo.executor.v1.ExecutorService',
        'grpc.health.v1.Health',
      ]),
    );

    expect(JSON.parse(await run(health!))).toEqual({ status: 'SERVING' });

    const created = JSON.parse(await run(create!, { '<dataset>': dataset })) as {
      job: { name: string; state: string; createTime: string; spec: { entropyTarget: { constant: number } } };
    };
    const job = created.job.name;
    const [project, jobId] = parseResourceName('job', job)!;
    expect(`projects/${project}/datasets/`).toBe(dataset.slice(0, dataset.lastIndexOf('/') + 1));
    expect(created.job.state).toBe('JOB_STATE_QUEUED');
    expect(Date.parse(created.job.createTime)).not.toBeNaN(); // a google.protobuf.Timestamp, decoded
    expect(created.job.spec.entropyTarget.constant).toBe(0.5);

    // The stream follows the job until it ends: cancel the (executor-less) job to end it.
    const following = run(stream!, { '<job>': job });
    const updated = JSON.parse(await run(update!, { '<job>': job })) as {
      job: {
        entropyTargetRevision: string;
        spec: { entropyTarget: { constant: number; tolerance: number } };
      };
    };
    expect(updated.job.spec.entropyTarget.constant).toBe(0.4);
    expect(updated.job.entropyTargetRevision).toBe('1');
    // By the bare id under the `-` project: the same job, with its full name.
    const got = JSON.parse(await run(get!, { '<job-id>': jobId! })) as {
      job: { name: string; spec: { entropyTarget: { constant: number } } };
    };
    expect(got.job.name).toBe(job);
    expect(got.job.spec.entropyTarget.constant).toBe(0.4);
    await client.control('cancel', job);
    await client.waitForState(job, [JobState.JOB_STATE_CANCELLED]);
    expect((await following).trim()).toBe(''); // no step was trained; the stream ended cleanly
  });

  it('describe resolves every type, well-known ones included; the health service answers', async () => {
    const describe = (symbol: string) => run(`grpcurl -plaintext ${README_ADDRESS} describe ${symbol}`);
    expect(await describe('aepo.v1.FineTuningService')).toMatch(
      /rpc CreateJob \( \.aepo\.v1\.CreateJobRequest \)/,
    );
    expect(await describe('aepo.v1.Job')).toMatch(/\.google\.protobuf\.Timestamp create_time = 5;/);
    expect(await describe('google.protobuf.Timestamp')).toMatch(/int64 seconds = 1;/);
    expect(await describe('aepo.v1.JobSpec')).toMatch(/map<string, string> labels = 14;/);
    expect(await describe('aepo.v1.EntropyTarget')).toMatch(
      /oneof target \{[\s\S]*optional double tolerance = 3;/,
    );
    const health = JSON.parse(
      await run(
        `grpcurl -plaintext -d '{"service": "aepo.v1.FineTuningService"}' ${README_ADDRESS} grpc.health.v1.Health/Check`,
      ),
    ) as { status: string };
    expect(health.status).toBe('SERVING');
  });
});
