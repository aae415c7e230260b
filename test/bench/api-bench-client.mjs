// Set-up and latency probe for bench:api, over real gRPC with the generated grpc-js clients.
//   node api-bench-client.mjs prepare <grpc-address> <admin-token>  -> JSON {apiKey, job, dataset} (names)
//   node api-bench-client.mjs lease-latency <grpc-address> <api-key> <dataset-name> <executor-token> <n>
// lease-latency: an executor long-polls LeaseJob; the probe then calls CreateJob and measures the time
// from sending CreateJob to the executor receiving the lease (the queue must be empty).
import process from 'node:process';
import { setTimeout } from 'node:timers';
import grpc from '@grpc/grpc-js';
import {
  AdminServiceClient,
  CreateJobRequest,
  FineTuningServiceClient,
  UploadDatasetRequest,
  executorV1,
  jobIdOf,
} from '@aepo/contracts';

const [, , cmd, address, ...args] = process.argv;
const creds = grpc.credentials.createInsecure();
const bearer = (token) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};
const unary = (client, method, req, md, opts = {}) =>
  new Promise((resolve, reject) =>
    method.call(client, req, md, opts, (e, r) => (e ? reject(e) : resolve(r))),
  );

const jobRequest = (dataset) =>
  CreateJobRequest.fromPartial({
    spec: { baseModel: 'builtin:tiny-arith', trainingDataset: dataset, entropyTarget: { constant: 0.3 } },
  });

if (cmd === 'prepare') {
  const [adminToken] = args;
  const admin = new AdminServiceClient(address, creds);
  const { project } = await unary(admin, admin.createProject, { displayName: 'bench' }, bearer(adminToken));
  const { secret } = await unary(
    admin,
    admin.createApiKey,
    { parent: project.name, displayName: 'bench' },
    bearer(adminToken),
  );
  const client = new FineTuningServiceClient(address, creds);
  const md = bearer(secret);
  const dataset = await new Promise((resolve, reject) => {
    const s = client.uploadDataset(md, (e, r) => (e ? reject(e) : resolve(r.dataset)));
    const rows = Array.from({ length: 100 }, (_, i) => ({
      prompt: `${i % 100}+${(i * 7) % 100}=`,
      answer: String((i % 100) + ((i * 7) % 100)),
      id: '',
    }));
    s.write(
      UploadDatasetRequest.fromPartial({
        metadata: { displayName: 'bench', labels: {}, requestId: '' },
        rows,
      }),
    );
    s.end();
  });
  const { job } = await unary(client, client.createJob, jobRequest(dataset.name), md);
  process.stdout.write(JSON.stringify({ apiKey: secret, job: job.name, dataset: dataset.name }) + '\n');
  admin.close();
  client.close();
} else if (cmd === 'lease-latency') {
  const [apiKey, dataset, executorToken, n] = args;
  const client = new FineTuningServiceClient(address, creds);
  const executor = new executorV1.ExecutorServiceClient(address, creds);
  const md = bearer(apiKey);
  const emd = bearer(executorToken);
  const delays = [];
  // Start from an empty queue, so each lease is the job this probe just created.
  for (;;) {
    const { lease } = await unary(
      executor,
      executor.leaseJob,
      { executorId: 'bench', waitSeconds: 0, models: [] },
      emd,
    );
    if (!lease) break;
    await unary(
      executor,
      executor.completeJob,
      {
        jobId: jobIdOf(lease.job.name),
        attempt: lease.attempt,
        outcome: 'OUTCOME_SUCCEEDED',
        steps: [],
        evaluations: [],
      },
      emd,
    );
  }
  for (let i = 0; i < Number(n); i++) {
    const leased = unary(
      executor,
      executor.leaseJob,
      { executorId: 'bench', waitSeconds: 10, models: [] },
      emd,
      {
        deadline: Date.now() + 15_000,
      },
    ).then((r) => {
      const at = process.hrtime.bigint();
      if (!r.lease) throw new Error('no lease within 10 s');
      return { at, lease: r.lease };
    });
    await new Promise((r) => setTimeout(r, 30)); // let the long poll reach its wait
    const sent = process.hrtime.bigint();
    await unary(client, client.createJob, jobRequest(dataset), md);
    const { at, lease } = await leased;
    if (at < sent) throw new Error('leased a job created before the probe');
    delays.push(Number(at - sent) / 1e6);
    await unary(
      executor,
      executor.completeJob,
      {
        jobId: jobIdOf(lease.job.name),
        attempt: lease.attempt,
        outcome: 'OUTCOME_SUCCEEDED',
        steps: [],
        evaluations: [],
      },
      emd,
    );
  }
  delays.sort((a, b) => a - b);
  const q = (p) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))];
  process.stdout.write(
    JSON.stringify({ n: delays.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: delays.at(-1) }) + '\n',
  );
  client.close();
  executor.close();
} else {
  process.stderr.write('usage: api-bench-client.mjs prepare|lease-latency ...\n');
  process.exit(2);
}
