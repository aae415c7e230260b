import { status } from '@grpc/grpc-js';
import {
  Algorithm,
  ControllerKind,
  CreateJobRequest,
  JobSpec,
  JobState,
  ScheduleKind,
  type DeepPartial,
} from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { failure } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, md, spec, create } from './fixture.js';

// Creating jobs: stored defaults, explicit values, idempotency by request_id. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
describe('jobs: creation', () => {
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
    const got = await call(c, c.getJob, { name: job.name }, md);
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
    expect(b.name).toBe(a.name);
    expect(y.name).toBe(x.name);
    const all = await call(
      c,
      c.listJobs,
      { parent: '', pageSize: 1000, pageToken: '', states: [], labels: {} },
      md,
    );
    expect(all.jobs.filter((j) => j.name === a.name || j.name === x.name)).toHaveLength(2);
  });

  it('answers ALREADY_EXISTS naming request_id when the request id was used with a different request', async () => {
    const first = await create({ entropyTarget: { constant: 0.4 } }, { requestId: 'reused-1' });
    for (const [over, extra] of [
      [{ entropyTarget: { constant: 0.3 } }, {}],
      [{ entropyTarget: { constant: -1 } }, {}],
      [{ trainingDataset: 'projects/-/datasets/00000000-0000-4000-8000-000000000000' }, {}],
      [{ entropyTarget: { constant: 0.4 } }, { displayName: 'another name' }],
    ] as [DeepPartial<JobSpec>, Partial<CreateJobRequest>][]) {
      const bad = await failure(create(over, { requestId: 'reused-1', ...extra }));
      expect(bad).toMatchObject({ code: status.ALREADY_EXISTS, fields: ['request_id'] });
      expect(bad.message).toContain('different request');
    }
    const again = await create({ entropyTarget: { constant: 0.4 } }, { requestId: 'reused-1' });
    expect(again.name).toBe(first.name);
    expect(again.spec!.entropyTarget!.constant).toBe(0.4);
  });

  it.each([
    [{ baseModel: '/etc/passwd' }, 'spec.base_model'],
    [{ baseModel: 'hf:unknown/model' }, 'spec.base_model'],
    [{ trainingDataset: '' }, 'spec.training_dataset'],
    [{ trainingDataset: '00000000-0000-4000-8000-000000000000' }, 'spec.training_dataset'],
    [
      { validationDataset: 'projects/p/jobs/00000000-0000-4000-8000-000000000000' },
      'spec.validation_dataset',
    ],
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
    const missing = await failure(
      create({ trainingDataset: 'projects/-/datasets/00000000-0000-4000-8000-000000000000' }),
    );
    expect(missing).toMatchObject({ code: status.NOT_FOUND, fields: ['spec.training_dataset'] });
  });
});
