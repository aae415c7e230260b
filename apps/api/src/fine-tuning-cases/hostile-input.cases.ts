import { status } from '@grpc/grpc-js';
import { CreateJobRequest, jobIdOf, ScheduleKind, UpdateJobRequest } from '@aepo/contracts';
import { parseBadRequest } from '@aepo/contracts';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { encodePageToken } from '../common/page-token.js';
import { failure, upload } from '../testing/grpc-helpers.js';
import { rawServerStream, rawUnary, wire } from '../testing/raw-grpc.js';
import { ADMIN_TOKEN, bearer, call } from '../testing/test-api.js';
import { t, c, md, queuedJobName, spec, create } from './fixture.js';

// Hostile input is answered precisely, never INTERNAL. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
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
      'UpdateJob',
      // job (1) > name (1) and spec (3) > entropy_target (5) > schedule (2) > start_step (4); update_mask (2).
      () =>
        Buffer.concat([
          wire.bytes(
            1,
            Buffer.concat([
              wire.bytes(1, queuedJobName),
              wire.bytes(3, wire.bytes(5, wire.bytes(2, wire.varint(4, huge)))),
            ]),
          ),
          wire.bytes(2, wire.bytes(1, 'spec.entropy_target')),
        ]),
      'job.spec.entropy_target.schedule.start_step',
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
    const body = Buffer.concat([wire.bytes(1, queuedJobName), wire.varint(2, 2n ** 63n - 1n)]);
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

  it('UpdateJob refuses a ramp that would start after max_steps, naming start_step', async () => {
    const job = await create({ optimization: { maxSteps: 40 } });
    const ramp = (startStep: number) =>
      UpdateJobRequest.fromPartial({
        job: {
          name: job.name,
          spec: {
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
          },
        },
        updateMask: ['spec.entropy_target'],
      });
    const bad = await failure(call(c, c.updateJob, ramp(40), md));
    expect(bad).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['job.spec.entropy_target.schedule.start_step'],
    });
    const ok = await call(c, c.updateJob, ramp(39), md);
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
            {
              parent: '',
              pageSize: 2,
              pageToken: encodePageToken(['not a date', id], noFilter),
              states: [],
              labels: {},
            },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobs,
            {
              parent: '',
              pageSize: 2,
              pageToken: encodePageToken([1e30, id], noFilter),
              states: [],
              labels: {},
            },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobs,
            {
              parent: '',
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
          call(
            c,
            c.listDatasets,
            { parent: '', pageSize: 2, pageToken: encodePageToken([1e30, id], 'datasets') },
            md,
          ),
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
            {
              parent: queuedJobName,
              pageSize: 2,
              pageToken: encodePageToken([1e30], `steps:${jobIdOf(queuedJobName)}`),
            },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listJobEvents,
            {
              parent: queuedJobName,
              pageSize: 2,
              pageToken: encodePageToken([-4], `events:${jobIdOf(queuedJobName)}`),
            },
            md,
          ),
      ],
      [
        () =>
          call(
            c,
            c.listCheckpoints,
            {
              parent: queuedJobName,
              pageSize: 2,
              pageToken: encodePageToken(['7'], `checkpoints:${jobIdOf(queuedJobName)}`),
            },
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
