import type { Metadata } from '@grpc/grpc-js';
import {
  CreateJobRequest,
  JobSpec,
  StepRecord,
  executorV1,
  jobIdOf,
  type FineTuningServiceClient,
  type Job,
} from '@aepo/contracts';
import { tinyRows, upload } from '../testing/grpc-helpers.js';
import { bearer, call, EXECUTOR_TOKEN, startTestApi, type TestApi } from '../testing/test-api.js';

const { Outcome } = executorV1;

/** Executor token metadata. */
export const emd = bearer(EXECUTOR_TOKEN);

/** What the executor protocol's integration specs share: one API, a project and its datasets. */
export interface ExecutorFixture {
  t: TestApi;
  c: FineTuningServiceClient;
  ex: executorV1.ExecutorServiceClient;
  md: Metadata;
  /** 2500 training rows (the dataset's name). */
  datasetName: string;
  /** 7 validation rows (the dataset's name). */
  validationName: string;
  /** Creates a job; `id` is its `{job}` id, as the executor protocol names it. */
  createJob(over?: Partial<JobSpec>): Promise<Job & { id: string }>;
  lease(executorId: string, waitSeconds?: number, models?: string[]): Promise<executorV1.LeaseJobResponse>;
  /** Completes a lease SUCCEEDED. */
  finish(l: executorV1.Lease | undefined): Promise<executorV1.CompleteJobResponse>;
  /** Takes every queued job so each test starts from an empty queue (tests finish what they lease). */
  drainQueue(): Promise<void>;
}

export const step = (n: number, over: Partial<StepRecord> = {}): StepRecord =>
  StepRecord.fromPartial({
    step: n,
    entropy: 0.3 + n / 100,
    entropyTarget: 0.3,
    rewardMean: 0.5,
    accuracy: 0.5,
    ...over,
  });

/** Starts the API (lease TTL 2 s, reaper every 100 ms, 2 expirations fail a job) with a project. */
export async function startExecutorFixture(): Promise<ExecutorFixture> {
  const t = await startTestApi({ leaseTtlSeconds: 2, reaperIntervalMs: 100, maxLeaseExpirations: 2 });
  const c = t.fineTuning();
  const ex = t.executor;
  const { md } = await t.newProject('exec');
  const datasetName = (
    await upload(c, md, [
      { metadata: { displayName: 'train', labels: {}, requestId: '' }, rows: tinyRows(2500) },
    ])
  ).dataset!.name;
  const validationName = (
    await upload(c, md, [{ metadata: { displayName: 'val', labels: {}, requestId: '' }, rows: tinyRows(7) }])
  ).dataset!.name;

  const createJob = async (over: Partial<JobSpec> = {}) => {
    const job = (
      await call(
        c,
        c.createJob,
        CreateJobRequest.fromPartial({
          spec: {
            baseModel: 'builtin:tiny-arith',
            trainingDataset: datasetName,
            entropyTarget: { constant: 0.3 },
            ...over,
          },
        }),
        md,
      )
    ).job!;
    return { ...job, id: jobIdOf(job.name) };
  };
  const lease = (executorId: string, waitSeconds = 0, models: string[] = []) =>
    call(ex, ex.leaseJob, { executorId, waitSeconds, models }, emd, { deadline: Date.now() + 10_000 });
  const finish = (l: executorV1.Lease | undefined) =>
    call(
      ex,
      ex.completeJob,
      {
        jobId: jobIdOf(l!.job!.name),
        attempt: l!.attempt,
        outcome: Outcome.OUTCOME_SUCCEEDED,
        steps: [],
        evaluations: [],
      },
      emd,
    );
  const drainQueue = async () => {
    for (;;) {
      const { lease: l } = await lease('drain');
      if (!l) return;
      await finish(l);
    }
  };
  return { t, c, ex, md, datasetName, validationName, createJob, lease, finish, drainQueue };
}
