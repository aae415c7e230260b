import { Metadata } from '@grpc/grpc-js';
import { CreateJobRequest, JobSpec, type DeepPartial } from '@aepo/contracts';
import { FineTuningServiceClient } from '@aepo/contracts';
import { afterAll, beforeAll } from 'vitest';
import { tinyRows, upload } from '../testing/grpc-helpers.js';
import { call, startTestApi, type TestApi } from '../testing/test-api.js';

/**
 * The API every fine-tuning case runs against: one real API on embedded Postgres for the whole
 * fine-tuning.integration-spec.ts (importing this module registers its set-up and tear-down), with a
 * project, a dataset and a queued job. The bindings are live: read them inside tests.
 */
export let t: TestApi;
export let c: FineTuningServiceClient;
export let md: Metadata;
/** The main project's dataset (its resource name). */
export let datasetName: string;
/** A queued job of the main project (its resource name), for calls that need one. */
export let queuedJobName: string;

export const spec = (over: DeepPartial<JobSpec> = {}): JobSpec =>
  JobSpec.fromPartial({
    baseModel: 'builtin:tiny-arith',
    trainingDataset: datasetName,
    entropyTarget: { constant: 0.3 },
    ...over,
  });

export const create = (over: DeepPartial<JobSpec> = {}, extra: Partial<CreateJobRequest> = {}) =>
  call(c, c.createJob, CreateJobRequest.fromPartial({ spec: spec(over), ...extra }), md).then((r) => r.job!);

beforeAll(async () => {
  t = await startTestApi({
    datasetMaxRows: 50,
    datasetMaxRowBytes: 256,
    // This file creates many live jobs in one project; the quotas have their own tests
    // (quotas/quotas.integration-spec.ts).
    quotas: { activeJobs: 1_000, concurrentUploads: 2, datasetBytes: 10 * 2 ** 30, openStreams: 32 },
  });
  c = t.fineTuning();
  ({ md } = await t.newProject('main'));
  datasetName = (
    await upload(c, md, [
      { metadata: { displayName: 'tiny', labels: {}, requestId: '' }, rows: tinyRows(20) },
    ])
  ).dataset!.name;
  queuedJobName = (await create()).name;
});

afterAll(async () => {
  await t?.close();
});
