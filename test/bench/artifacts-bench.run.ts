/**
 * bench:artifacts (run by test/bench/artifacts-bench.sh): what checkpoints in an object store cost
 * per step at the demo's settings (builtin:tiny-arith, 32 prompts x 8 samples, 8 tokens), against
 * checkpoints on the local folder. Real processes: the API, SeaweedFS, one executor at a time (local
 * folder, then the object store), jobs alternated over ROUNDS. Steps without a checkpoint give the
 * per-step overhead; checkpoint steps give the save time (engine write + upload for the store)
 * separately. Correctness beside it: every listed checkpoint of the store's jobs has its manifest, and
 * the exported model downloads through presigned URLs with matching sha256.
 */
import { JobState, jobIdOf } from '@aepo/contracts';
import { artifactKeys } from '@aepo/artifacts';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import {
  type ExecutorProcess,
  PublicClient,
  buildApps,
  freePort,
  startApi,
  startExecutor,
  tinyArithRows,
  tinyJobSpec,
} from '../support/executor-processes.js';
import { S3TestServer } from '../support/seaweedfs.js';

const STEPS = Number(process.env.STEPS ?? 20);
const EVERY = Number(process.env.CHECKPOINT_EVERY ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const PREFIX = 'bench';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median wall time of the steps that saved no checkpoint. */
const plain = (ls: StepLine[]) =>
  median(ls.filter((l) => l.checkpointSeconds === 0).map((l) => l.wallSeconds));

interface StepLine {
  jobId: string;
  step: number;
  wallSeconds: number;
  checkpointSeconds: number;
}

it('bench:artifacts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aepo-artifacts-bench-'));
  // Embedded Postgres runs as its own user when started as root: it must reach api/ below this folder.
  chmodSync(dir, 0o755);
  const [s3] = await Promise.all([S3TestServer.start(path.join(dir, 's3')), buildApps()]);
  const api = await startApi({
    dataDir: path.join(dir, 'api'),
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    bootstrap: true,
    leaseTtlSeconds: 30,
    env: s3.env(PREFIX),
  });
  const client = new PublicClient(api.grpcAddress, api.apiKey!);
  const dataset = await client.uploadDataset('bench', tinyArithRows(512, 9));
  const stop = async (ex: ExecutorProcess) => {
    const engine = ex.enginePid();
    await ex.proc.stop(10_000);
    if (engine !== undefined) {
      try {
        process.kill(-engine, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  const pooled = { local: [] as StepLine[], store: [] as StepLine[] };
  // Per job: the spread between jobs of the same mode is the noise any difference must beat.
  const perJob = { local: [] as number[], store: [] as number[] };
  const storeJobs: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['local', 'store'] as const) {
        const ex = await startExecutor({
          name: `bench-${mode}-${round}`,
          apiAddress: api.grpcAddress,
          checkpointDir: path.join(dir, `checkpoints-${mode}-${round}`),
          httpPort: await freePort(),
          env: { AEPO_EXECUTOR_LOG_LEVEL: 'info', ...(mode === 'store' ? s3.env(PREFIX) : {}) },
        });
        try {
          const spec = tinyJobSpec(dataset, {
            maxSteps: STEPS,
            promptsPerStep: 32,
            samplesPerPrompt: 8,
            seed: 3,
          });
          spec.checkpoint = { everyNSteps: EVERY, keepLast: 1 };
          const job = await client.createJob({
            spec,
            displayName: `bench ${mode}`,
            requestId: '',
            parent: '',
          });
          const end = await client.waitForState(
            job.name,
            [JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED],
            3_600_000,
          );
          expect(end.state, end.error?.message).toBe(JobState.JOB_STATE_SUCCEEDED);
          // Warm-up: the first 3 steps are left out.
          const measured = ex.proc.lines
            .filter((l) => l.includes('"step done"') && l.includes(jobIdOf(job.name)))
            .map((l) => JSON.parse(l) as StepLine)
            .filter((l) => l.step > 3);
          pooled[mode].push(...measured);
          perJob[mode].push(plain(measured));
          if (mode === 'store') storeJobs.push(job.name);
          else
            expect(
              existsSync(path.join(dir, `checkpoints-${mode}-${round}`, jobIdOf(job.name), `step-${STEPS}`)),
            ).toBe(true);
        } finally {
          await stop(ex);
        }
      }
    }

    // Correctness: manifests of the listed checkpoints, and the exported model via presigned URLs.
    const store = s3.store(PREFIX);
    let verifiedFiles = 0;
    const checkpointBytes: number[] = [];
    for (const name of storeJobs) {
      for (const c of await client.checkpoints(name)) {
        checkpointBytes.push(c.sizeBytes);
        expect(
          await store.getJson(artifactKeys.manifest(artifactKeys.checkpoint(jobIdOf(name), c.step))),
        ).not.toBeNull();
      }
      const res = await client.call<
        object,
        { files: { path: string; sha256: string; sizeBytes: number; url: string }[] }
      >(client.raw.getArtifactDownloadUrls as never, { name, exportedModel: true, urlTtlSeconds: 0 });
      for (const f of res.files) {
        const body = Buffer.from(await (await fetch(f.url)).arrayBuffer());
        expect(body.length).toBe(f.sizeBytes);
        expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256);
        verifiedFiles++;
      }
    }
    store.close();

    const save = (ls: StepLine[]) =>
      median(ls.filter((l) => l.checkpointSeconds > 0).map((l) => l.checkpointSeconds));
    const perStep = (ls: StepLine[]) => ls.reduce((s, l) => s + l.wallSeconds, 0) / ls.length;
    const summary = {
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      settings: {
        STEPS,
        CHECKPOINT_EVERY: EVERY,
        ROUNDS,
        prompts: 32,
        samples: 8,
        maxTokens: 8,
        engineThreads: 1,
      },
      stepsMeasured: { local: pooled.local.length, store: pooled.store.length },
      medianStepWithoutCheckpoint: { local: plain(pooled.local), store: plain(pooled.store) },
      medianStepWithoutCheckpointPerJob: perJob,
      stepOverheadShare: plain(pooled.store) / plain(pooled.local) - 1,
      medianCheckpointSeconds: { local: save(pooled.local), store: save(pooled.store) },
      meanStepIncludingCheckpoints: { local: perStep(pooled.local), store: perStep(pooled.store) },
      medianCheckpointBytes: median(checkpointBytes),
      correctness: { storeJobs: storeJobs.length, exportedFilesVerified: verifiedFiles },
    };
    const out = process.env.BENCH_OUT ?? path.join(tmpdir(), 'aepo-artifacts-bench.json');
    writeFileSync(out, JSON.stringify({ summary, steps: pooled }, null, 1));
    console.log(`${JSON.stringify(summary, null, 2)}\nsteps: ${out}`);
  } finally {
    client.close();
    await api.proc.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
