/**
 * Artifacts in object storage end to end, all real: SeaweedFS (S3), the API and executors as
 * processes with their Python engines (builtin:tiny-arith on CPU), the `aepo` CLI, transformers.
 * A job leaves checkpoints and its exported model in the bucket, each with a manifest; `aepo models
 * pull` fetches them through presigned URLs and verifies every sha256; a second executor with an empty
 * checkpoint folder resumes from the bucket; the store going down mid-job holds the checkpoint
 * until it is back, and the job keeps its last good checkpoint.
 */
import type { GetArtifactDownloadUrlsRequest, GetArtifactDownloadUrlsResponse } from '@aepo/contracts';
import { JobState, jobIdOf, parseBadRequest } from '@aepo/contracts';
import { type Manifest, artifactKeys, parseManifest, sha256File } from '@aepo/artifacts';
import { status, type ServiceError } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliEnv, removeCliEnvs, runCli } from './cli-support/cli-runner.js';
import {
  type ApiProcess,
  type ExecutorProcess,
  PublicClient,
  REPO_ROOT,
  buildApps,
  freePort,
  startApi,
  startExecutor,
  tinyArithRows,
  tinyJobSpec,
  waitFor,
} from './support/executor-processes.js';
import { findUv } from '../apps/gpu-executor/src/engine/uv-binary.js';
import { INSTALL_TIMEOUT_MS, S3TestServer } from './support/seaweedfs.js';

const PREFIX = 'deploy-e2e';
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-artifacts-e2e-'));
let s3: S3TestServer;
let api: ApiProcess;
let client: PublicClient;
let dataset: string;
const executors: ExecutorProcess[] = [];

async function newExecutor(name: string): Promise<ExecutorProcess> {
  const ex = await startExecutor({
    name,
    apiAddress: api.grpcAddress,
    checkpointDir: path.join(dir, `scratch-${name}`),
    httpPort: await freePort(),
    env: {
      ...s3.env(PREFIX),
      AEPO_EXECUTOR_ARTIFACTS_RETRY_INITIAL_MS: '200',
      AEPO_EXECUTOR_ARTIFACTS_RETRY_MAX_MS: '1000',
    },
  });
  executors.push(ex);
  return ex;
}

function killPod(ex: ExecutorProcess): void {
  const engine = ex.enginePid();
  ex.proc.kill('SIGKILL');
  if (engine !== undefined) {
    try {
      process.kill(-engine, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function createJob(maxSteps: number, keepLast: number, every = 2) {
  const spec = tinyJobSpec(dataset, { maxSteps });
  spec.checkpoint = { everyNSteps: every, keepLast };
  return client.createJob({ spec, displayName: 'artifacts-e2e', requestId: '', parent: '' });
}

async function manifestOf(folder: string): Promise<Manifest | null> {
  const store = s3.store(PREFIX);
  try {
    const raw = await store.getJson(artifactKeys.manifest(folder));
    return raw === null ? null : parseManifest(raw, folder);
  } finally {
    store.close();
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const store = s3.store(PREFIX);
  try {
    return await store.list(prefix);
  } finally {
    store.close();
  }
}

function urls(req: Partial<GetArtifactDownloadUrlsRequest>): Promise<GetArtifactDownloadUrlsResponse> {
  return client.call<GetArtifactDownloadUrlsRequest, GetArtifactDownloadUrlsResponse>(
    client.raw.getArtifactDownloadUrls,
    { name: '', urlTtlSeconds: 0, ...req },
  );
}

async function rpcError(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('the call succeeded');
}

async function pull(job: string, out: string, ...extra: string[]) {
  return runCli(
    ['models', 'pull', job, '-o', out, ...extra],
    cliEnv({
      AEPO_ENDPOINT: api.grpcAddress,
      AEPO_API_KEY: api.apiKey!,
    }),
    { timeoutMs: 120_000 },
  );
}

/** Every file of the manifest's model is in `out` with the manifest's sha256. */
async function expectPulled(out: string, m: Manifest): Promise<void> {
  const model = m.files.filter((f) => f.modelPath !== undefined);
  expect(model.length).toBeGreaterThan(2);
  for (const f of model) expect(await sha256File(path.join(out, f.modelPath!)), f.modelPath).toBe(f.sha256);
  expect(readdirSync(out).sort()).toEqual([...new Set(model.map((f) => f.modelPath!.split('/')[0]!))].sort());
}

beforeAll(async () => {
  // Embedded Postgres runs as its own user when started as root: it must reach api/ below this folder.
  chmodSync(dir, 0o755);
  [s3] = await Promise.all([S3TestServer.start(path.join(dir, 's3')), buildApps().then(buildCli)]);
  api = await startApi({
    dataDir: path.join(dir, 'api'),
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    bootstrap: true,
    env: s3.env(PREFIX),
  });
  client = new PublicClient(api.grpcAddress, api.apiKey!);
  dataset = await client.uploadDataset('tiny-arith', tinyArithRows(200, 7));
  await newExecutor('ex-a');
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  client?.close();
  for (const ex of executors) {
    const engine = ex.enginePid();
    await ex.proc.stop(5_000);
    if (engine !== undefined) {
      try {
        process.kill(-engine, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await api?.proc.stop();
  await s3?.stop();
  removeCliEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('artifacts in object storage', () => {
  it('a job leaves manifested checkpoints (retention applied) and its exported model; aepo models pull verifies them and transformers loads the model', async () => {
    const job = await createJob(6, 1);
    const done = await client.waitForState(job.name, [JobState.JOB_STATE_SUCCEEDED], 300_000);
    // The job records where its exported model lies once files and manifest are up.
    expect(done.exportedModelUri).toBe(
      `s3://${s3.bucket}/${PREFIX}/${artifactKeys.model(jobIdOf(job.name))}`,
    );

    // The bucket holds exactly the listed checkpoints (keep_last 1 + the best in band), each with a
    // manifest whose files are all there; pruned ones left nothing behind.
    const listed = await client.checkpoints(job.name);
    const steps = listed.map((c) => c.step);
    expect(steps).toContain(6);
    for (const c of listed)
      expect(c.uri).toBe(`s3://${s3.bucket}/${PREFIX}/${artifactKeys.checkpoint(jobIdOf(job.name), c.step)}`);
    const keys = await keysUnder(artifactKeys.checkpoints(jobIdOf(job.name)));
    const stepsInBucket = [...new Set(keys.map((k) => artifactKeys.stepOf(k)))].sort((a, b) => a! - b!);
    expect(stepsInBucket).toEqual(steps);
    expect(steps.length).toBeLessThan(3);
    for (const step of steps) {
      const folder = artifactKeys.checkpoint(jobIdOf(job.name), step);
      const m = (await manifestOf(folder))!;
      expect(m.step).toBe(step);
      expect(new Set(keys.filter((k) => k.startsWith(folder)))).toEqual(
        new Set([...m.files.map((f) => folder + f.path), artifactKeys.manifest(folder)]),
      );
    }

    // The exported model: a plain HF folder, no optimizer state.
    const model = (await manifestOf(artifactKeys.model(jobIdOf(job.name))))!;
    expect(model.kind).toBe('model');
    expect(model.step).toBe(6);
    const names = model.files.map((f) => f.path);
    expect(names).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));
    expect(names.some((n) => n.startsWith('engine'))).toBe(false);

    const out = path.join(dir, 'pulled-final');
    const res = await pull(job.name, out);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/sha256 verified\) of step 6/);
    await expectPulled(out, model);

    // The final checkpoint holds the same weights as the exported model.
    // A bare job id works too: the CLI expands it to projects/-/jobs/{id}.
    const outCheckpoint = path.join(dir, 'pulled-step-6');
    expect((await pull(jobIdOf(job.name), outCheckpoint, '--checkpoint', '6')).code).toBe(0);
    expect(await sha256File(path.join(outCheckpoint, 'model.safetensors'))).toBe(
      await sha256File(path.join(out, 'model.safetensors')),
    );

    const loaded = await promisify(execFile)(
      findUv(),
      [
        'run',
        '--frozen',
        'python',
        '-c',
        [
          'import sys',
          'from transformers import AutoModelForCausalLM, AutoTokenizer',
          'm = AutoModelForCausalLM.from_pretrained(sys.argv[1])',
          't = AutoTokenizer.from_pretrained(sys.argv[1])',
          'ids = t("12+7=", return_tensors="pt").input_ids',
          'out = m.generate(ids, max_new_tokens=3, do_sample=False)',
          'print(type(m).__name__, sum(p.numel() for p in m.parameters()), out.shape[1] - ids.shape[1])',
        ].join('\n'),
        out,
      ],
      { cwd: path.join(REPO_ROOT, 'apps/gpu-executor/engine'), timeout: 300_000 },
    );
    expect(loaded.stdout.trim()).toMatch(/^Qwen2ForCausalLM \d+ [1-3]$/);

    // A corrupted object in the bucket: the pull fails loudly naming the file, and keeps nothing wrong.
    const junk = path.join(dir, 'junk.bin');
    writeFileSync(junk, 'not the weights');
    const store = s3.store(PREFIX);
    await store.putFile(`${artifactKeys.model(jobIdOf(job.name))}model.safetensors`, junk);
    store.close();
    const bad = path.join(dir, 'pulled-bad');
    const failed = await pull(job.name, bad);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /model\.safetensors: downloaded 15 bytes with sha256 [0-9a-f]{64}, but the manifest says/,
    );
    expect(existsSync(path.join(bad, 'model.safetensors'))).toBe(false);
    expect(existsSync(path.join(bad, 'model.safetensors.part'))).toBe(false);

    // Bad requests.
    const invalid = await rpcError(urls({ name: job.name, checkpointStep: -1 }));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(parseBadRequest(invalid).map((v) => v.field)).toEqual(['checkpoint_step']);
    const none = await rpcError(urls({ name: job.name }));
    expect(none.code).toBe(status.INVALID_ARGUMENT);
    expect(parseBadRequest(none).map((v) => v.field)).toEqual(['artifact']);
    const missing = await rpcError(urls({ name: job.name, checkpointStep: 3 }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.details).toMatch(/no listed checkpoint at step 3/);
  });

  it('resumes on another executor, with an empty checkpoint folder, from the checkpoint in the bucket', async () => {
    const job = await createJob(6, 3);
    await waitFor(
      'a checkpoint in the bucket',
      async () => (await client.checkpoints(job.name)).length > 0,
      240_000,
    );
    const from = (await client.checkpoints(job.name)).at(-1)!.step;
    killPod(executors[0]!);
    const b = await newExecutor('ex-b');
    await client.waitForState(job.name, [JobState.JOB_STATE_SUCCEEDED], 300_000);
    expect((await client.steps(job.name)).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const resumed = b.proc.lines.find(
      (l) => l.includes('resumed from checkpoint') && l.includes(jobIdOf(job.name)),
    );
    expect(resumed, b.proc.tail()).toBeDefined();
    // ex-b built nothing before it resumed: the step it resumed from came from the bucket.
    const restoredFrom = JSON.parse(resumed!) as { step: number };
    expect(restoredFrom.step).toBeGreaterThanOrEqual(from);
  });

  it('waits out the object store going down during a checkpoint, keeping the last good checkpoint', async () => {
    const b = executors[1]!;
    // Checkpoints at 3, 6, 9: the store goes down right after the first one is reported, two steps
    // before the next one is due.
    const job = await createJob(9, 3, 3);
    await waitFor(
      'the checkpoint of step 3',
      async () => (await client.checkpoints(job.name)).length > 0,
      240_000,
    );
    const seen = b.proc.lines.length;
    await s3.stop();
    const retrying = () =>
      b.proc.lines
        .slice(seen)
        .filter(
          (l) => l.includes('object store call failed; retrying') && l.includes('checkpoint of step 6'),
        );
    await waitFor(
      'the executor retrying the checkpoint of step 6',
      () => retrying().length >= 3,
      240_000,
      200,
    );
    // Meanwhile: the job runs on, and the API still lists the checkpoint of step 3 (nothing pruned).
    expect((await client.getJob(job.name)).state).toBe(JobState.JOB_STATE_RUNNING);
    expect((await client.checkpoints(job.name)).map((c) => c.step)).toEqual([3]);
    await s3.start();
    await client.waitForState(job.name, [JobState.JOB_STATE_SUCCEEDED], 300_000);
    expect((await client.steps(job.name)).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await client.checkpoints(job.name)).map((c) => c.step)).toEqual([3, 6, 9]);
    // The checkpoint of step 3 survived intact: its model pulls with matching checksums.
    const out = path.join(dir, 'pulled-after-outage');
    expect((await pull(job.name, out, '--checkpoint', '3')).code).toBe(0);
    await expectPulled(out, (await manifestOf(artifactKeys.checkpoint(jobIdOf(job.name), 3)))!);
  });
});
