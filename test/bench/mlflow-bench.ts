/**
 * bench:mlflow - what MLflow tracking costs a training step. Tracking runs in the API apart from the
 * executor protocol, so the step-facing cost is the latency of the step-record ingestion rpc
 * (ExecutorService.Heartbeat carrying one step record) while the tracker sends the records of the same
 * job to a real `mlflow server`, against the same rpc with tracking off. Rounds alternate off/on on one
 * API each (same process, same embedded Postgres) so machine load hits both alike.
 *
 *   npm run bench:mlflow
 *   STEPS=500 PACE_MS=10 ROUNDS=3 SYNC_MS=100 npm run bench:mlflow
 *   MLFLOW_CPUS=1 taskset -c 0 npm run bench:mlflow   # the MLflow server on the other core
 *   MLFLOW_DIR=/dev/shm npm run bench:mlflow           # its SQLite store in memory, not on the disk
 *
 * Correctness beside the numbers: after each tracked round the MLflow run must hold exactly one point
 * per step of `entropy` with the values sent.
 */
import { CreateJobRequest, StepRecord, executorV1, jobIdOf } from '@aepo/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tinyRows, upload } from '../../apps/api/src/testing/grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, startTestApi } from '../../apps/api/src/testing/test-api.js';
import { installMlflow, MlflowReader, startMlflowServer } from '../support/mlflow-server.js';

const STEPS = Number(process.env['STEPS'] ?? 300);
const PACE_MS = Number(process.env['PACE_MS'] ?? 20);
const ROUNDS = Number(process.env['ROUNDS'] ?? 2);
const SYNC_MS = Number(process.env['SYNC_MS'] ?? 200);
const emd = bearer(EXECUTOR_TOKEN);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function round(tracked: boolean, mlflowUrl: string, reader: MlflowReader, n: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'aepo-mlflow-bench-'));
  const t = await startTestApi(
    {
      mlflow: {
        trackingUri: tracked ? mlflowUrl : undefined,
        experimentName: 'bench',
        token: undefined,
        syncIntervalMs: SYNC_MS,
        retryMaxMs: 2000,
        requestTimeoutMs: 30_000,
        concurrency: 4,
      },
      leaseTtlSeconds: 600,
    },
    { dataDir: dir },
  );
  try {
    const c = t.fineTuning();
    const { md } = await t.newProject('bench');
    const dataset = (
      await upload(c, md, [
        { metadata: { displayName: 'd', labels: {}, requestId: '', parent: '' }, rows: tinyRows(10) },
      ])
    ).dataset!.name;
    const job = (
      await call(
        c,
        c.createJob,
        CreateJobRequest.fromPartial({
          spec: {
            baseModel: 'builtin:tiny-arith',
            trainingDataset: dataset,
            entropyTarget: { constant: 0.3 },
          },
        }),
        md,
      )
    ).job!;
    const ex = t.executor;
    const { lease } = await call(ex, ex.leaseJob, { executorId: 'bench', waitSeconds: 5, models: [] }, emd);
    const attempt = lease!.attempt;
    const latencies: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let step = 1; step <= STEPS; step++) {
      const record = StepRecord.fromPartial({
        step,
        entropy: 0.3 + step / 10_000,
        entropyTarget: 0.3,
        temperature: 1.2,
        reinforceCount: 3,
        rewardMean: 0.5,
        accuracy: 0.5,
        stepSeconds: 1,
      });
      const started = process.hrtime.bigint();
      await call(
        ex,
        ex.heartbeat,
        { jobId: jobIdOf(job.name), attempt, steps: [record], evaluations: [], rewindReason: '' },
        emd,
      );
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    const ended = Date.now();
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / STEPS;
    await call(
      ex,
      ex.completeJob,
      {
        jobId: jobIdOf(job.name),
        attempt,
        outcome: executorV1.Outcome.OUTCOME_SUCCEEDED,
        steps: [],
        evaluations: [],
      },
      emd,
    );
    let check = 'untracked';
    let drainS = 0;
    if (tracked) {
      // Correctness: every step once in MLflow, with the value sent.
      for (;;) {
        const run = await reader.runByName('bench', jobIdOf(job.name));
        if (run?.info.status === 'FINISHED') {
          const points = await reader.history(run.info.run_id, 'entropy');
          const steps = new Set(points.map((p) => p.step));
          const right = points.every((p) => Math.abs(p.value - (0.3 + p.step / 10_000)) < 1e-12);
          if (points.length !== STEPS || steps.size !== STEPS || !right)
            throw new Error(`MLflow run ${run.info.run_id}: ${points.length} points, ${steps.size} steps`);
          check = `${points.length} entropy points, one per step, values equal`;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      drainS = (Date.now() - ended) / 1000;
    }
    console.log(
      `round ${n} tracking ${tracked ? 'on ' : 'off'}: heartbeat p50 ${quantile(latencies, 0.5).toFixed(2)} ms, ` +
        `p95 ${quantile(latencies, 0.95).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms, ` +
        `mean ${mean(latencies).toFixed(2)} ms; this process (API + client) ${cpuMsPerStep.toFixed(2)} CPU ms/step; ${check}` +
        (tracked ? `; MLflow complete ${drainS.toFixed(1)} s after the last step` : ''),
    );
    return latencies;
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const installS = await installMlflow();
  console.log(`mlflow environment ready in ${installS.toFixed(1)} s (uv sync --frozen)`);
  const started = Date.now();
  // MLFLOW_CPUS=1 (with the bench itself under `taskset -c 0`) keeps the local MLflow server's own work
  // off the API's core, as a remote server would be.
  // MLFLOW_DIR=/dev/shm keeps its SQLite commits off the disk that Postgres commits to.
  const server = await startMlflowServer({
    cpus: process.env['MLFLOW_CPUS'],
    parentDir: process.env['MLFLOW_DIR'],
  });
  console.log(`mlflow server up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${server.url}`);
  const reader = new MlflowReader(server.url);
  const all: Record<'off' | 'on', number[]> = { off: [], on: [] };
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      all.off.push(...(await round(false, server.url, reader, r)));
      all.on.push(...(await round(true, server.url, reader, r)));
    }
  } finally {
    await server.close();
  }
  const line = (k: 'off' | 'on') =>
    `p50 ${quantile(all[k], 0.5).toFixed(2)} / p95 ${quantile(all[k], 0.95).toFixed(2)} / p99 ` +
    `${quantile(all[k], 0.99).toFixed(2)} / mean ${mean(all[k]).toFixed(2)} ms`;
  console.log(`all rounds, ${STEPS} steps x ${ROUNDS}: tracking off ${line('off')}`);
  console.log(`all rounds, ${STEPS} steps x ${ROUNDS}: tracking on  ${line('on')}`);
  console.log(`mean difference: ${(mean(all.on) - mean(all.off)).toFixed(2)} ms per step`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
