import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  Algorithm,
  ControllerKind,
  CreateJobRequest,
  JobEventType,
  JobSpec,
  JobState,
  ScheduleKind,
  type DeepPartial,
} from '@aepo/contracts';
import { FineTuningServiceClient, parseBadRequest } from '@aepo/contracts';
import { startApiServer } from './server/api-server.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePageToken } from './common/page-token.js';
import { collect, failure, readUntil, tinyRows, upload } from './testing/grpc-helpers.js';
import { rawServerStream, rawUnary, wire } from './testing/raw-grpc.js';
import { ADMIN_TOKEN, bearer, call, startTestApi, type TestApi } from './testing/test-api.js';

let t: TestApi;
let c: FineTuningServiceClient;
let md: Metadata;
let datasetId: string;
/** A queued job of the main project, for calls that need one. */
let jobId: string;

const spec = (over: DeepPartial<JobSpec> = {}): JobSpec =>
  JobSpec.fromPartial({
    baseModel: 'builtin:tiny-arith',
    trainingDatasetId: datasetId,
    entropyTarget: { constant: 0.3 },
    ...over,
  });

const create = (over: DeepPartial<JobSpec> = {}, extra: Partial<CreateJobRequest> = {}) =>
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
  datasetId = (
    await upload(c, md, [
      { metadata: { displayName: 'tiny', labels: {}, requestId: '' }, rows: tinyRows(20) },
    ])
  ).dataset!.id;
  jobId = (await create()).id;
});

afterAll(async () => {
  await t?.close();
});

describe('authentication', () => {
  it('refuses a missing, malformed or unknown API key with UNAUTHENTICATED', async () => {
    expect((await failure(call(c, c.listModels, {}, new Metadata()))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(c, c.listModels, {}, bearer('nonsense')))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(c, c.listModels, {}, bearer('aepo_unknownkeyunknownkey')))).code).toBe(
      status.UNAUTHENTICATED,
    );
  });

  it('does not accept the admin or executor token as an API key, nor an API key as admin token', async () => {
    expect((await failure(call(c, c.listModels, {}, bearer(ADMIN_TOKEN)))).code).toBe(status.UNAUTHENTICATED);
    expect(
      (await failure(call(t.admin, t.admin.listProjects, { pageSize: 0, pageToken: '' }, md))).code,
    ).toBe(status.UNAUTHENTICATED);
  });

  it('stops accepting a revoked key', async () => {
    const admin = bearer(ADMIN_TOKEN);
    const { project } = await call(t.admin, t.admin.createProject, { displayName: 'revoke' }, admin);
    const key = await call(
      t.admin,
      t.admin.createApiKey,
      { projectId: project!.id, displayName: 'x' },
      admin,
    );
    expect(key.secret.startsWith('aepo_')).toBe(true);
    expect(key.apiKey!.prefix).toBe(key.secret.slice(0, 12));
    await call(c, c.listModels, {}, bearer(key.secret));
    await call(t.admin, t.admin.revokeApiKey, { apiKeyId: key.apiKey!.id }, admin);
    expect((await failure(call(c, c.listModels, {}, bearer(key.secret)))).code).toBe(status.UNAUTHENTICATED);
  });
});

describe('AdminService', () => {
  it('lists projects page by page and rejects keys for unknown projects', async () => {
    const admin = bearer(ADMIN_TOKEN);
    for (let i = 0; i < 3; i++) await call(t.admin, t.admin.createProject, { displayName: `p${i}` }, admin);
    const seen: string[] = [];
    let token = '';
    do {
      const page = await call(t.admin, t.admin.listProjects, { pageSize: 2, pageToken: token }, admin);
      expect(page.projects.length).toBeLessThanOrEqual(2);
      seen.push(...page.projects.map((p) => p.id));
      token = page.nextPageToken;
    } while (token !== '');
    const all = await call(t.admin, t.admin.listProjects, { pageSize: 1000, pageToken: '' }, admin);
    expect(seen).toEqual(all.projects.map((p) => p.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    const missing = await failure(
      call(
        t.admin,
        t.admin.createApiKey,
        { projectId: '00000000-0000-4000-8000-000000000000', displayName: '' },
        admin,
      ),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const bad = await failure(call(t.admin, t.admin.createProject, { displayName: '' }, admin));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['display_name'] });
  });
});

describe('datasets', () => {
  it('stores structured and JSONL rows, with row count, size and hash', async () => {
    const res = await upload(c, md, [
      { metadata: { displayName: 'mixed', labels: { team: 'rl' }, requestId: '' }, rows: tinyRows(2) },
      { jsonlLines: ['{"prompt": "1+1=", "answer": "2"}', '{"prompt": "2+2=", "answer": "4", "id": 7}'] },
    ]);
    const d = res.dataset!;
    expect(d.rowCount).toBe(4);
    expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.createTime).toBeInstanceOf(Date);
    expect(d.labels).toEqual({ team: 'rl' });
    const bytes = [
      ...tinyRows(2),
      { prompt: '1+1=', answer: '2', id: '' },
      { prompt: '2+2=', answer: '4', id: '7' },
    ]
      .map((r) => Buffer.byteLength(r.prompt + r.answer + r.id))
      .reduce((a, b) => a + b);
    expect(d.sizeBytes).toBe(bytes);
    const got = await call(c, c.getDataset, { id: d.id }, md);
    expect(got.dataset).toEqual(d);
  });

  it('rejects the whole upload when one row is bad, naming row and field', async () => {
    const rows = tinyRows(5);
    rows[2] = { prompt: '3+4=', answer: '', id: '' };
    const bad = await failure(
      upload(c, md, [{ metadata: { displayName: 'bad', labels: {}, requestId: '' }, rows }]),
    );
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rows[3].answer'] });
    const json = await failure(
      upload(c, md, [
        {
          metadata: { displayName: 'bad json', labels: {}, requestId: '' },
          jsonlLines: [
            '{"prompt":"1+1=","answer":"2"}',
            '{oops',
            '{"prompt": 5, "answer": "2"}',
            '{"answer":"2"}',
          ],
        },
      ]),
    );
    expect(json).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['rows[2]', 'rows[3].prompt', 'rows[4].prompt'],
    });
    const none = await failure(
      upload(c, md, [{ metadata: { displayName: 'empty', labels: {}, requestId: '' } }]),
    );
    expect(none).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rows'] });
    const noMeta = await failure(upload(c, md, [{ rows: tinyRows(1) }]));
    expect(noMeta).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['metadata'] });
    const list = await call(c, c.listDatasets, { pageSize: 1000, pageToken: '' }, md);
    expect(list.datasets.map((d) => d.displayName)).not.toContain('bad');
  });

  it('answers RESOURCE_EXHAUSTED past the row and byte limits', async () => {
    const many = await failure(
      upload(c, md, [{ metadata: { displayName: 'many', labels: {}, requestId: '' }, rows: tinyRows(51) }]),
    );
    expect(many).toMatchObject({ code: status.RESOURCE_EXHAUSTED, fields: ['rows[51]'] });
    const big = await failure(
      upload(c, md, [
        {
          metadata: { displayName: 'big', labels: {}, requestId: '' },
          rows: [{ prompt: 'x'.repeat(300), answer: '1', id: '' }],
        },
      ]),
    );
    expect(big).toMatchObject({ code: status.RESOURCE_EXHAUSTED, fields: ['rows[1]'] });
  });

  it('is idempotent by request_id and pages newest first', async () => {
    const meta = { displayName: 'idem', labels: {}, requestId: 'upload-1' };
    const rows = tinyRows(3);
    const a = await upload(c, md, [{ metadata: meta, rows }]);
    // The same rows, split differently across messages: the same upload, answered with its dataset.
    const b = await upload(c, md, [{ metadata: meta, rows: rows.slice(0, 1) }, { rows: rows.slice(1) }]);
    expect(b.dataset).toEqual(a.dataset);
    // Other rows, other metadata or rows the first upload would have refused: another upload.
    for (const retry of [
      [{ metadata: meta, rows: tinyRows(9) }],
      [{ metadata: meta, rows: [...rows.slice(0, 2), { ...rows[2]!, answer: 'other' }] }],
      [{ metadata: { ...meta, labels: { team: 'b' } }, rows }],
      [{ metadata: { ...meta, displayName: 'other' }, rows }],
      [{ metadata: meta, rows: [...rows, { prompt: '', answer: '1', id: '' }] }],
    ] as Parameters<typeof upload>[2][]) {
      const reused = await failure(upload(c, md, retry));
      expect(reused).toMatchObject({ code: status.ALREADY_EXISTS, fields: ['metadata.request_id'] });
      expect(reused.message).toContain(a.dataset!.id);
    }
    expect((await call(c, c.getDataset, { id: a.dataset!.id }, md)).dataset).toEqual(a.dataset);
    const ids: string[] = [];
    let token = '';
    do {
      const page = await call(c, c.listDatasets, { pageSize: 2, pageToken: token }, md);
      ids.push(...page.datasets.map((d) => d.id));
      token = page.nextPageToken;
    } while (token);
    const all = await call(c, c.listDatasets, { pageSize: 100, pageToken: '' }, md);
    expect(ids).toEqual(all.datasets.map((d) => d.id));
    const times = all.datasets.map((d) => d.createTime!.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(
      (await failure(call(c, c.listDatasets, { pageSize: 2, pageToken: 'garbage' }, md))).fields,
    ).toEqual(['page_token']);
    expect((await failure(call(c, c.listDatasets, { pageSize: 5000, pageToken: '' }, md))).fields).toEqual([
      'page_size',
    ]);
  });

  it('refuses to delete a dataset a live job uses, and deletes it once the job ended', async () => {
    const d = (
      await upload(c, md, [
        { metadata: { displayName: 'del', labels: {}, requestId: '' }, rows: tinyRows(2) },
      ])
    ).dataset!;
    const job = await create({ trainingDatasetId: d.id });
    expect((await failure(call(c, c.deleteDataset, { id: d.id }, md))).code).toBe(status.FAILED_PRECONDITION);
    await call(c, c.cancelJob, { id: job.id }, md);
    await call(c, c.deleteDataset, { id: d.id }, md);
    expect((await failure(call(c, c.getDataset, { id: d.id }, md))).code).toBe(status.NOT_FOUND);
    expect((await failure(call(c, c.deleteDataset, { id: d.id }, md))).code).toBe(status.NOT_FOUND);
  });
});

describe('jobs', () => {
  it('creates a QUEUED job whose stored spec has every default filled in', async () => {
    const job = await create({}, { displayName: 'defaults' });
    expect(job.state).toBe(JobState.JOB_STATE_QUEUED);
    expect(job.createTime).toBeInstanceOf(Date);
    expect(job.attempt).toBe(0);
    const s = job.spec!;
    expect(s.algorithm).toBe(Algorithm.ALGORITHM_AEPO);
    // AEPO.md reference values.
    expect(s.aepo).toMatchObject({ tHigh: 1.2, tLow: 0.8, resampleFraction: 0.25, reinforceCount: 60 });
    expect(s.aepo!.positiveThreshold).toBe(0.05);
    expect(s.aepo!.controller!.kind).toBe(ControllerKind.CONTROLLER_KIND_DUAL);
    expect(s.rollout).toMatchObject({
      promptsPerStep: 512,
      samplesPerPrompt: 5,
      maxTokens: 2048,
      topP: 0.99,
    });
    expect(s.optimization).toMatchObject({
      learningRate: 1e-6,
      weightDecay: 0.01,
      gradClip: 1.0,
      clipRatioLow: 0.2,
      clipRatioHigh: 0.2,
      dualClip: 3.0,
      miniBatchPrompts: 128,
      klCoef: 0,
    });
    expect(Number.isInteger(s.optimization!.seed)).toBe(true);
    expect(s.entropyReg!.coef).toBe(0.03);
    expect(s.entropyAdv).toMatchObject({ alpha: 0.4, kappa: 2 });
    expect(s.grader!.math).toBeDefined();
    expect(s.entropyTarget!.tolerance).toBe(0.05);
    const got = await call(c, c.getJob, { id: job.id }, md);
    expect(got.job).toEqual(job);
  });

  it('scales the default reinforce_count with the batch (60 of the reference 512 x 5), at least 1', async () => {
    const count = async (promptsPerStep: number, samplesPerPrompt: number) =>
      (await create({ rollout: { promptsPerStep, samplesPerPrompt } })).spec!.aepo!.reinforceCount;
    expect(await count(512, 5)).toBe(60);
    expect(await count(8, 5)).toBe(1);
    expect(await count(64, 4)).toBe(6);
    expect(await count(2048, 5)).toBe(240);
    // An explicit value is kept as given.
    expect((await create({ aepo: { reinforceCount: 3 } })).spec!.aepo!.reinforceCount).toBe(3);
  });

  it('keeps explicit values and fills a schedule end from max_steps', async () => {
    const job = await create({
      algorithm: Algorithm.ALGORITHM_GRPO,
      entropyTarget: {
        schedule: {
          kind: ScheduleKind.SCHEDULE_KIND_COSINE,
          startValue: 0.5,
          endValue: 0.2,
          startStep: 0,
          endStep: 0,
          points: [],
        },
        tolerance: 0.02,
      },
      aepo: { reinforceFraction: 0.1 },
      optimization: { maxSteps: 40, seed: 7 },
      rollout: { promptsPerStep: 16, stop: ['\n'] },
      labels: { exp: 'a' },
    });
    expect(job.spec!.algorithm).toBe(Algorithm.ALGORITHM_GRPO);
    expect(job.spec!.entropyTarget!.schedule!.endStep).toBe(40);
    expect(job.spec!.aepo!.reinforceFraction).toBe(0.1);
    expect(job.spec!.aepo!.reinforceCount).toBeUndefined();
    expect(job.spec!.optimization!.seed).toBe(7);
    expect(job.spec!.optimization!.miniBatchPrompts).toBe(16);
    expect(job.spec!.rollout!.stop).toEqual(['\n']);
  });

  it('returns the same job for a retried request_id with the same request', async () => {
    const a = await create({ labels: { x: '1', y: '2' } }, { requestId: 'create-1', displayName: 'd' });
    // The same request, its map entries in another order: still the same request.
    const b = await create({ labels: { y: '2', x: '1' } }, { requestId: 'create-1', displayName: 'd' });
    const [x, y] = await Promise.all([
      create({}, { requestId: 'create-2' }),
      create({}, { requestId: 'create-2' }),
    ]);
    expect(b.id).toBe(a.id);
    expect(y.id).toBe(x.id);
    const all = await call(c, c.listJobs, { pageSize: 1000, pageToken: '', states: [], labels: {} }, md);
    expect(all.jobs.filter((j) => j.id === a.id || j.id === x.id)).toHaveLength(2);
  });

  it('answers ALREADY_EXISTS naming request_id when the request id was used with a different request', async () => {
    const first = await create({ entropyTarget: { constant: 0.4 } }, { requestId: 'reused-1' });
    for (const [over, extra] of [
      [{ entropyTarget: { constant: 0.3 } }, {}],
      [{ entropyTarget: { constant: -1 } }, {}],
      [{ trainingDatasetId: '00000000-0000-4000-8000-000000000000' }, {}],
      [{ entropyTarget: { constant: 0.4 } }, { displayName: 'another name' }],
    ] as [DeepPartial<JobSpec>, Partial<CreateJobRequest>][]) {
      const bad = await failure(create(over, { requestId: 'reused-1', ...extra }));
      expect(bad).toMatchObject({ code: status.ALREADY_EXISTS, fields: ['request_id'] });
      expect(bad.message).toContain('different request');
    }
    const again = await create({ entropyTarget: { constant: 0.4 } }, { requestId: 'reused-1' });
    expect(again.id).toBe(first.id);
    expect(again.spec!.entropyTarget!.constant).toBe(0.4);
  });

  it.each([
    [{ baseModel: '/etc/passwd' }, 'spec.base_model'],
    [{ baseModel: 'hf:unknown/model' }, 'spec.base_model'],
    [{ trainingDatasetId: '' }, 'spec.training_dataset_id'],
    [{ entropyTarget: undefined }, 'spec.entropy_target'],
    [{ entropyTarget: { constant: -1 } }, 'spec.entropy_target.constant'],
    [{ entropyTarget: { constant: 0.3, tolerance: -0.1 } }, 'spec.entropy_target.tolerance'],
    [
      {
        entropyTarget: {
          schedule: {
            kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE,
            points: [
              { step: 5, value: 0.3 },
              { step: 5, value: 0.2 },
            ],
          },
        },
      },
      'spec.entropy_target.schedule.points[1].step',
    ],
    [
      { entropyTarget: { schedule: { kind: ScheduleKind.SCHEDULE_KIND_UNSPECIFIED } } },
      'spec.entropy_target.schedule.kind',
    ],
    [{ aepo: { tHigh: 0.9 } }, 'spec.aepo.t_high'],
    [{ aepo: { tLow: 1.1 } }, 'spec.aepo.t_low'],
    [{ aepo: { resampleFraction: 0 } }, 'spec.aepo.resample_fraction'],
    [{ aepo: { reinforceFraction: 1.5 } }, 'spec.aepo.reinforce_fraction'],
    [{ aepo: { reinforceCount: -3 } }, 'spec.aepo.reinforce_count'],
    [
      { aepo: { controller: { kind: ControllerKind.CONTROLLER_KIND_PROPORTIONAL, proportionalGain: -1 } } },
      'spec.aepo.controller.proportional_gain',
    ],
    [{ rollout: { samplesPerPrompt: 1 } }, 'spec.rollout.samples_per_prompt'],
    [{ rollout: { topP: 0 } }, 'spec.rollout.top_p'],
    [
      { rollout: { promptsPerStep: 8 }, optimization: { miniBatchPrompts: 16 } },
      'spec.optimization.mini_batch_prompts',
    ],
    [{ optimization: { learningRate: 0 } }, 'spec.optimization.learning_rate'],
    [{ optimization: { dualClip: 1 } }, 'spec.optimization.dual_clip'],
    [{ optimization: { maxSteps: 0 } }, 'spec.optimization.max_steps'],
    [{ entropyAdv: { kappa: 0 } }, 'spec.entropy_adv.kappa'],
    [{ grader: { regex: { pattern: '(' } } }, 'spec.grader.regex.pattern'],
    // JavaScript's RegExp compiles a backreference; RE2, which the grader runs, does not.
    [{ grader: { regex: { pattern: '(a)\\1' } } }, 'spec.grader.regex.pattern'],
    [
      { grader: { weighted: { parts: [{ weight: 0, grader: { math: {} } }] } } },
      'spec.grader.weighted.parts[0].weight',
    ],
    [{ validation: { everyNSteps: 5 } }, 'spec.validation.every_n_steps'],
    [{ checkpoint: { everyNSteps: 0 } }, 'spec.checkpoint.every_n_steps'],
    [{ labels: { 'Bad Key': 'x' } }, 'spec.labels[Bad Key]'],
    [
      {
        entropyTarget: {
          schedule: {
            kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
            startValue: 0.5,
            endValue: 0.2,
            startStep: 50,
          },
        },
        optimization: { maxSteps: 40 },
      },
      'spec.entropy_target.schedule.start_step',
    ],
    [
      {
        entropyTarget: {
          schedule: {
            kind: ScheduleKind.SCHEDULE_KIND_COSINE,
            startValue: 0.5,
            endValue: 0.2,
            startStep: 100,
          },
        },
      },
      'spec.entropy_target.schedule.start_step',
    ],
  ] as [Record<string, unknown>, string][])('rejects %j naming %s', async (over, field) => {
    const bad = await failure(create(JobSpec.fromPartial({ ...spec(), ...over })));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields).toContain(field);
  });

  it('rejects a bad request_id and an unknown dataset', async () => {
    expect((await failure(create({}, { requestId: 'no spaces allowed' }))).fields).toEqual(['request_id']);
    const missing = await failure(create({ trainingDatasetId: '00000000-0000-4000-8000-000000000000' }));
    expect(missing).toMatchObject({ code: status.NOT_FOUND, fields: ['spec.training_dataset_id'] });
  });

  it('lists with paging and filters by state and label', async () => {
    const tagged = [];
    for (let i = 0; i < 5; i++) tagged.push(await create({ labels: { suite: 'paging', idx: String(i) } }));
    await call(c, c.pauseJob, { id: tagged[1]!.id }, md);
    const ids: string[] = [];
    let token = '';
    do {
      const page = await call(
        c,
        c.listJobs,
        { pageSize: 2, pageToken: token, states: [], labels: { suite: 'paging' } },
        md,
      );
      ids.push(...page.jobs.map((j) => j.id));
      token = page.nextPageToken;
    } while (token);
    expect(ids).toEqual(tagged.map((j) => j.id).reverse());
    const paused = await call(
      c,
      c.listJobs,
      { pageSize: 10, pageToken: '', states: [JobState.JOB_STATE_PAUSED], labels: { suite: 'paging' } },
      md,
    );
    expect(paused.jobs.map((j) => j.id)).toEqual([tagged[1]!.id]);
    const one = await call(
      c,
      c.listJobs,
      { pageSize: 10, pageToken: '', states: [], labels: { suite: 'paging', idx: '3' } },
      md,
    );
    expect(one.jobs.map((j) => j.id)).toEqual([tagged[3]!.id]);
    const first = await call(
      c,
      c.listJobs,
      { pageSize: 2, pageToken: '', states: [], labels: { suite: 'paging' } },
      md,
    );
    const reused = await failure(
      call(
        c,
        c.listJobs,
        { pageSize: 2, pageToken: first.nextPageToken, states: [JobState.JOB_STATE_QUEUED], labels: {} },
        md,
      ),
    );
    expect(reused.fields).toEqual(['page_token']);
  });

  it('enforces the state machine with FAILED_PRECONDITION and records each change as an event', async () => {
    const job = await create();
    expect((await failure(call(c, c.resumeJob, { id: job.id }, md))).code).toBe(status.FAILED_PRECONDITION);
    expect((await call(c, c.pauseJob, { id: job.id }, md)).job!.state).toBe(JobState.JOB_STATE_PAUSED);
    expect((await failure(call(c, c.pauseJob, { id: job.id }, md))).code).toBe(status.FAILED_PRECONDITION);
    expect((await call(c, c.resumeJob, { id: job.id }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
    const cancelled = (await call(c, c.cancelJob, { id: job.id }, md)).job!;
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(cancelled.endTime).toBeInstanceOf(Date);
    for (const m of [c.cancelJob, c.pauseJob, c.resumeJob]) {
      expect((await failure(call(c, m as typeof c.cancelJob, { id: job.id }, md))).code).toBe(
        status.FAILED_PRECONDITION,
      );
    }
    const target = await failure(
      call(
        c,
        c.updateEntropyTarget,
        { id: job.id, entropyTarget: { constant: 0.2, estimator: 'ENTROPY_ESTIMATOR_UNSPECIFIED' as never } },
        md,
      ),
    );
    expect(target.code).toBe(status.FAILED_PRECONDITION);
    const events = await call(c, c.listJobEvents, { jobId: job.id, pageSize: 100, pageToken: '' }, md);
    expect(events.events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(events.events.map((e) => [e.type, e.fromState, e.toState])).toEqual([
      [JobEventType.JOB_EVENT_TYPE_CREATED, JobState.JOB_STATE_UNSPECIFIED, JobState.JOB_STATE_QUEUED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_PAUSED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_PAUSED, JobState.JOB_STATE_QUEUED],
      [JobEventType.JOB_EVENT_TYPE_STATE_CHANGED, JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_CANCELLED],
    ]);
  });

  it('updates the entropy target of a live job as an event with a new revision', async () => {
    const job = await create();
    const bad = await failure(call(c, c.updateEntropyTarget, { id: job.id, entropyTarget: undefined }, md));
    expect(bad.fields).toEqual(['entropy_target']);
    const updated = (
      await call(
        c,
        c.updateEntropyTarget,
        {
          id: job.id,
          entropyTarget: {
            constant: 0.45,
            tolerance: 0.01,
            estimator: 'ENTROPY_ESTIMATOR_SAMPLED_TOKEN' as never,
          },
        },
        md,
      )
    ).job!;
    expect(updated.entropyTargetRevision).toBe(1);
    expect(updated.spec!.entropyTarget).toMatchObject({ constant: 0.45, tolerance: 0.01 });
    const events = await call(c, c.listJobEvents, { jobId: job.id, pageSize: 100, pageToken: '' }, md);
    expect(events.events.at(-1)).toMatchObject({
      type: JobEventType.JOB_EVENT_TYPE_TARGET_UPDATED,
      entropyTargetRevision: 1,
    });
  });

  it('streams events: replays after the cursor, follows live, and ends when the job ends', async () => {
    const job = await create();
    await call(c, c.pauseJob, { id: job.id }, md);
    const stream = c.streamJobEvents({ jobId: job.id, afterSequence: 1 }, md);
    const done = collect(stream);
    await new Promise((r) => setTimeout(r, 150));
    await call(c, c.cancelJob, { id: job.id }, md);
    const items = await done;
    expect(items.map((i) => i.event!.sequence)).toEqual([2, 3]);
    expect(items[1]!.event!.toState).toBe(JobState.JOB_STATE_CANCELLED);
    const live = c.streamJobEvents({ jobId: job.id, afterSequence: 0 }, md);
    expect((await collect(live)).map((i) => i.event!.sequence)).toEqual([1, 2, 3]);
    const running = await create();
    const follow = c.streamJobEvents({ jobId: running.id, afterSequence: 0 }, md);
    const firstTwo = readUntil(follow, (items) => items.length >= 2);
    await call(c, c.pauseJob, { id: running.id }, md);
    expect((await firstTwo).map((i) => i.event!.type)).toEqual([
      JobEventType.JOB_EVENT_TYPE_CREATED,
      JobEventType.JOB_EVENT_TYPE_STATE_CHANGED,
    ]);
  });
});

describe('hostile input is answered precisely, never INTERNAL', () => {
  const huge = 2n ** 60n;
  const createBody = (extra: Buffer) =>
    Buffer.concat([
      Buffer.from(CreateJobRequest.encode(CreateJobRequest.fromPartial({ spec: spec() })).finish()),
      extra,
    ]);
  // spec (1) > optimization (8) > max_steps (11) / seed (12), appended: protobuf merges it in.
  const optimization = (field: number, value: bigint) =>
    wire.bytes(1, wire.bytes(8, wire.varint(field, value)));

  it.each([
    [
      'max_steps above 2^53',
      'CreateJob',
      () => createBody(optimization(11, huge)),
      'spec.optimization.max_steps',
    ],
    [
      'seed above 2^53',
      'CreateJob',
      () => createBody(optimization(12, 2n ** 53n + 1n)),
      'spec.optimization.seed',
    ],
    ['seed below -2^53', 'CreateJob', () => createBody(optimization(12, -huge)), 'spec.optimization.seed'],
    [
      'a schedule step above 2^53',
      'UpdateEntropyTarget',
      () => Buffer.concat([wire.bytes(1, jobId), wire.bytes(2, wire.bytes(2, wire.varint(4, huge)))]),
      'entropy_target.schedule.start_step',
    ],
  ] as [string, string, () => Buffer, string][])(
    'unary: %s is INVALID_ARGUMENT naming the field',
    async (_, method, body, field) => {
      const err = await rawUnary(t.api.grpcAddress, `/aepo.v1.FineTuningService/${method}`, body(), md);
      expect(err?.code).toBe(status.INVALID_ARGUMENT);
      expect(parseBadRequest(err!).map((v) => v.field)).toEqual([field]);
    },
  );

  it.each([
    ['StreamStepRecords', 'after_step'],
    ['StreamJobEvents', 'after_sequence'],
  ])('stream: %s with %s above 2^53 is INVALID_ARGUMENT naming it', async (method, field) => {
    const body = Buffer.concat([wire.bytes(1, jobId), wire.varint(2, 2n ** 63n - 1n)]);
    const err = await rawServerStream(t.api.grpcAddress, `/aepo.v1.FineTuningService/${method}`, body, md);
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(parseBadRequest(err!).map((v) => v.field)).toEqual([field]);
  });

  it('bytes that are no protobuf message at all are INVALID_ARGUMENT', async () => {
    const err = await rawUnary(
      t.api.grpcAddress,
      '/aepo.v1.FineTuningService/GetJob',
      Buffer.from([0x0a, 0xff, 0xff]),
      md,
    );
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
  });

  it('UpdateEntropyTarget refuses a ramp that would start after max_steps, naming start_step', async () => {
    const job = await create({ optimization: { maxSteps: 40 } });
    const ramp = (startStep: number) => ({
      id: job.id,
      entropyTarget: {
        schedule: {
          kind: ScheduleKind.SCHEDULE_KIND_LINEAR,
          startValue: 0.5,
          endValue: 0.2,
          startStep,
          endStep: 0,
          points: [],
        },
        estimator: 'ENTROPY_ESTIMATOR_UNSPECIFIED' as never,
      },
    });
    const bad = await failure(call(c, c.updateEntropyTarget, ramp(40), md));
    expect(bad).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['entropy_target.schedule.start_step'],
    });
    const ok = await call(c, c.updateEntropyTarget, ramp(39), md);
    expect(ok.job!.spec!.entropyTarget!.schedule).toMatchObject({ startStep: 39, endStep: 40 });
  });

  it('page tokens that decode but carry a bad cursor are INVALID_ARGUMENT page_token', async () => {
    const noFilter = JSON.stringify([[], []]);
    const id = '00000000-0000-4000-8000-000000000000';
    const cases: [() => Promise<unknown>][] = [
      [
        () =>
          call(
            c,
            c.listJobs,
            { pageSize: 2, pageToken: encodePageToken(['not a date', id], noFilter), states: [], labels: {} },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobs,
            { pageSize: 2, pageToken: encodePageToken([1e30, id], noFilter), states: [], labels: {} },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobs,
            {
              pageSize: 2,
              pageToken: encodePageToken(['2026-01-01T00:00:00.000Z', 'no uuid'], noFilter),
              states: [],
              labels: {},
            },
            md,
          ),
      ],
      [
        () =>
          call(c, c.listDatasets, { pageSize: 2, pageToken: encodePageToken([1e30, id], 'datasets') }, md),
      ],
      [
        () =>
          call(
            t.admin,
            t.admin.listProjects,
            { pageSize: 2, pageToken: encodePageToken(['x', 'y'], 'projects') },
            bearer(ADMIN_TOKEN),
          ),
      ],
      [
        () =>
          call(
            c,
            c.listStepRecords,
            { jobId, pageSize: 2, pageToken: encodePageToken([1e30], `steps:${jobId}`) },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobEvents,
            { jobId, pageSize: 2, pageToken: encodePageToken([-4], `events:${jobId}`) },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listCheckpoints,
            { jobId, pageSize: 2, pageToken: encodePageToken(['7'], `checkpoints:${jobId}`) },
            md,
          ),
      ],
    ];
    for (const [run] of cases) {
      expect(await failure(run())).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['page_token'] });
    }
  });

  it('a message over the 4 MB limit is RESOURCE_EXHAUSTED, and /metrics counts it so', async () => {
    const big = await failure(create({}, { displayName: 'x'.repeat(5 * 1024 * 1024) }));
    expect(big.code).toBe(status.RESOURCE_EXHAUSTED);
    const bigUpload = await failure(
      upload(c, md, [
        {
          metadata: { displayName: 'big', labels: {}, requestId: '' },
          rows: [{ prompt: 'x'.repeat(5 * 1024 * 1024), answer: '1', id: '' }],
        },
      ]),
    );
    expect(bigUpload.code).toBe(status.RESOURCE_EXHAUSTED);
    const metrics = (await request(t.api.httpUrl).get('/metrics').expect(200)).text;
    for (const method of ['CreateJob', 'UploadDataset']) {
      expect(metrics).toMatch(
        new RegExp(
          `aepo_api_grpc_request_duration_seconds_count\\{method="aepo.v1.FineTuningService/${method}",code="RESOURCE_EXHAUSTED"\\} [1-9]`,
        ),
      );
    }
  });

  it('after all of the above, /metrics shows no INTERNAL answer at all', async () => {
    const metrics = (await request(t.api.httpUrl).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/code="INVALID_ARGUMENT"/);
    expect(metrics).not.toMatch(/code="INTERNAL"/);
  });
});

describe('project isolation', () => {
  it('answers NOT_FOUND for another project’s jobs and datasets and never lists them', async () => {
    const job = await create();
    const other = await t.newProject('other');
    for (const [m, req] of [
      [c.getJob, { id: job.id }],
      [c.cancelJob, { id: job.id }],
      [c.pauseJob, { id: job.id }],
      [c.getDataset, { id: datasetId }],
      [c.deleteDataset, { id: datasetId }],
      [c.listJobEvents, { jobId: job.id, pageSize: 0, pageToken: '' }],
      [c.listStepRecords, { jobId: job.id, pageSize: 0, pageToken: '' }],
      [c.listCheckpoints, { jobId: job.id, pageSize: 0, pageToken: '' }],
      [c.listEvaluationRecords, { jobId: job.id, pageSize: 0, pageToken: '' }],
    ] as [typeof c.getJob, never][]) {
      expect((await failure(call(c, m, req, other.md))).code).toBe(status.NOT_FOUND);
    }
    const streamErr = await collect(c.streamJobEvents({ jobId: job.id, afterSequence: 0 }, other.md)).catch(
      (e: ServiceError) => e.code,
    );
    expect(streamErr).toBe(status.NOT_FOUND);
    expect(
      (await call(c, c.listJobs, { pageSize: 100, pageToken: '', states: [], labels: {} }, other.md)).jobs,
    ).toEqual([]);
    expect((await call(c, c.listDatasets, { pageSize: 100, pageToken: '' }, other.md)).datasets).toEqual([]);
    const foreign = await failure(
      call(c, c.createJob, CreateJobRequest.fromPartial({ spec: spec() }), other.md),
    );
    expect(foreign).toMatchObject({ code: status.NOT_FOUND, fields: ['spec.training_dataset_id'] });
    expect((await call(c, c.getJob, { id: job.id }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
  });
});

describe('replicas', () => {
  it('a second API on the same database sees the first one’s writes at once (cache invalidated by NOTIFY)', async () => {
    const job = await create();
    const other = await startApiServer({
      env: {
        DATABASE_URL: t.api.databaseUrl,
        AEPO_API_GRPC_ADDRESS: '127.0.0.1:0',
        AEPO_API_HTTP_ADDRESS: '127.0.0.1:0',
        AEPO_API_LOG_LEVEL: 'silent',
      },
    });
    const c2 = new FineTuningServiceClient(other.grpcAddress, credentials.createInsecure());
    try {
      // Warm replica 2's cache, then change the job through replica 1.
      expect((await call(c2, c2.getJob, { id: job.id }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
      await call(c, c.pauseJob, { id: job.id }, md);
      const until = Date.now() + 1000;
      let state = JobState.JOB_STATE_QUEUED;
      while (state !== JobState.JOB_STATE_PAUSED && Date.now() < until) {
        state = (await call(c2, c2.getJob, { id: job.id }, md)).job!.state;
      }
      expect(state).toBe(JobState.JOB_STATE_PAUSED);
      // Its own write is visible to the next read on the same replica, with no wait at all.
      await call(c2, c2.resumeJob, { id: job.id }, md);
      expect((await call(c2, c2.getJob, { id: job.id }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
    } finally {
      c2.close();
      await other.close();
    }
  });
});

describe('operations', () => {
  it('serves /healthz, /readyz and /metrics with the documented names', async () => {
    await request(t.api.httpUrl).get('/healthz').expect(200);
    await request(t.api.httpUrl).get('/readyz').expect(200);
    const res = await request(t.api.httpUrl).get('/metrics').expect(200);
    expect(res.text).toMatch(
      /aepo_api_grpc_request_duration_seconds_count\{method="aepo.v1.FineTuningService\/CreateJob",code="OK"\} \d+/,
    );
    expect(res.text).toMatch(
      /aepo_api_grpc_request_duration_seconds_count\{method="aepo.v1.FineTuningService\/CreateJob",code="INVALID_ARGUMENT"\}/,
    );
    const jobs = await call(
      c,
      c.listJobs,
      { pageSize: 1000, pageToken: '', states: [JobState.JOB_STATE_QUEUED], labels: {} },
      md,
    );
    expect(res.text).toContain(`aepo_api_jobs{state="QUEUED"} ${jobs.jobs.length}`);
    expect(res.text).toContain(`aepo_api_queue_depth ${jobs.jobs.length}`);
    expect(res.text).toContain('aepo_api_lease_expirations_total 0');
    expect(res.text).toContain('aepo_api_active_leases 0');
    expect(res.text).toContain('process_resident_memory_bytes');
    await request(t.api.httpUrl).get('/nope').expect(404);
  });

  it('answers grpc.health.v1 Check and Watch, and server reflection lists the services', async () => {
    const require = createRequire(import.meta.url);
    const healthProto = path.join(
      path.dirname(require.resolve('grpc-health-check/package.json')),
      'proto/health/v1/health.proto',
    );
    const reflectionProto = path.join(
      path.dirname(require.resolve('@grpc/reflection/package.json')),
      'build/proto/grpc/reflection/v1/reflection.proto',
    );
    const pkg = loadPackageDefinition(
      protoLoader.loadSync([healthProto, reflectionProto], { enums: String }),
    ) as unknown as {
      grpc: {
        health: {
          v1: { Health: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client };
        };
        reflection: {
          v1: {
            ServerReflection: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client;
          };
        };
      };
    };
    const health = new pkg.grpc.health.v1.Health(
      t.api.grpcAddress,
      credentials.createInsecure(),
    ) as Client & {
      check: (r: object, cb: (e: ServiceError | null, r: { status: string }) => void) => void;
      watch: (r: object) => NodeJS.EventEmitter & { cancel(): void };
    };
    const checked = await new Promise<{ status: string }>((res, rej) =>
      health.check({ service: 'aepo.v1.FineTuningService' }, (e, r) => (e ? rej(e) : res(r))),
    );
    expect(checked.status).toBe('SERVING');
    const watched = await new Promise<{ status: string }>((res) => {
      const w = health.watch({ service: '' });
      w.on('data', (d: { status: string }) => {
        w.cancel();
        res(d);
      });
      w.on('error', () => undefined);
    });
    expect(watched.status).toBe('SERVING');
    health.close();
    const refl = new pkg.grpc.reflection.v1.ServerReflection(
      t.api.grpcAddress,
      credentials.createInsecure(),
    ) as Client & {
      serverReflectionInfo: () => NodeJS.EventEmitter & { write(m: object): void; end(): void };
    };
    const listed = await new Promise<string[]>((res, rej) => {
      const s = refl.serverReflectionInfo();
      s.on('data', (d: { listServicesResponse?: { service: { name: string }[] } }) => {
        res((d.listServicesResponse?.service ?? []).map((x) => x.name));
        s.end();
      });
      s.on('error', rej);
      s.write({ listServices: '' });
    });
    refl.close();
    expect(listed).toEqual(
      expect.arrayContaining([
        'aepo.v1.FineTuningService',
        'aepo.v1.AdminService',
        'aepo.executor.v1.ExecutorService',
      ]),
    );
  });
});
