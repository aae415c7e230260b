import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../cli-support/cli-runner.js';
import { jobIdOf } from '@aepo/contracts';
import { work, aepo, expectError, names, NO_SUCH_ID } from './fixture.js';

// Cases of cli.e2e-spec.ts: `aepo jobs`: create, list, get, control, and its errors.
describe('aepo jobs', () => {
  const base = () => ['jobs', 'create', '--model', 'builtin:tiny-arith', '--dataset', names.dataset];

  it('creates a job from flags and a --spec file, lists, filters and gets it', async () => {
    const created = parseJson<{ job: { name: string; state: string; spec: Record<string, unknown> } }>(
      await aepo([
        ...base(),
        '--target',
        '0.4',
        '--tolerance',
        '0.1',
        '--max-steps',
        '7',
        '--prompts-per-step',
        '4',
        '--samples-per-prompt',
        '3',
        '--max-tokens',
        '6',
        '--lr',
        '0.001',
        '--seed',
        '42',
        '--reinforce-fraction',
        '0.1',
        '--label',
        'team=cli',
        '--name',
        'flags',
        '--json',
      ]),
    );
    expect(created.job.state).toBe('JOB_STATE_QUEUED');
    const spec = created.job.spec;
    expect(spec['entropyTarget']).toMatchObject({ constant: 0.4, tolerance: 0.1 });
    expect(spec['rollout']).toMatchObject({ promptsPerStep: 4, samplesPerPrompt: 3, maxTokens: 6 });
    expect(spec['optimization']).toMatchObject({ maxSteps: 7, learningRate: 0.001, seed: 42 });
    expect(spec['aepo']).toMatchObject({ reinforceFraction: 0.1 });
    expect(spec['labels']).toEqual({ team: 'cli' });

    const specFile = path.join(work, 'spec.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        base_model: 'builtin:tiny-arith',
        // A bare dataset id in a spec file is expanded too.
        training_dataset: names.dataset.slice(names.dataset.lastIndexOf('/') + 1),
        algorithm: 'ALGORITHM_GRPO',
        entropy_target: { constant: 0.9 },
        optimization: { max_steps: 11 },
      }),
    );
    const fromFile = parseJson<{ job: { name: string; spec: Record<string, unknown> } }>(
      await aepo([
        'jobs',
        'create',
        '--spec',
        specFile,
        '--max-steps',
        '12',
        '--name',
        'from-spec',
        '--json',
      ]),
    );
    expect(fromFile.job.spec['algorithm']).toBe('ALGORITHM_GRPO');
    expect(fromFile.job.spec['trainingDataset']).toBe(names.dataset);
    expect(fromFile.job.spec['entropyTarget']).toMatchObject({ constant: 0.9 });
    expect(fromFile.job.spec['optimization']).toMatchObject({ maxSteps: 12 });

    const table = await aepo(['jobs', 'list']);
    expect(table.stdout).toMatch(/^NAME\s+DISPLAY_NAME\s+STATE\s+ALGORITHM/);
    expect(table.stdout).toMatch(
      new RegExp(`${created.job.name}\\s+flags\\s+QUEUED\\s+AEPO\\s+builtin:tiny-arith\\s+0/7`),
    );
    const labelled = parseJson<{ jobs: { name: string }[] }>(
      await aepo(['jobs', 'list', '--label', 'team=cli', '--json']),
    );
    expect(labelled.jobs.map((j) => j.name)).toEqual([created.job.name]);
    const queued = parseJson<{ jobs: { name: string }[] }>(
      await aepo(['jobs', 'list', '--state', 'queued', '--json']),
    );
    expect(queued.jobs.map((j) => j.name).sort()).toEqual([created.job.name, fromFile.job.name].sort());
    const succeeded = parseJson<{ jobs?: unknown[] }>(
      await aepo(['jobs', 'list', '--state', 'succeeded', '--json']),
    );
    expect(succeeded.jobs ?? []).toEqual([]);

    const got = await aepo(['jobs', 'get', created.job.name]);
    expect(got.stdout).toMatch(new RegExp(`^name:\\s+${created.job.name}$`, 'm'));
    expect(got.stdout).toMatch(new RegExp(`^dataset:\\s+${names.dataset}$`, 'm'));
    expect(got.stdout).toMatch(/^state:\s+QUEUED$/m);
    expect(got.stdout).toMatch(/^target:\s+0\.4 ±0\.1$/m);
    expect(got.stdout).toMatch(/^rollout:\s+4 prompts × 3 samples, ≤6 tokens$/m);
    // A bare id is expanded to projects/-/jobs/{id}.
    const gotJson = parseJson<{ job: { name: string } }>(
      await aepo(['jobs', 'get', jobIdOf(created.job.name), '--json']),
    );
    expect(gotJson.job.name).toBe(created.job.name);

    // Both end here so that the executor tests below lease only their own job.
    for (const name of [created.job.name, fromFile.job.name])
      expect((await aepo(['jobs', 'cancel', name])).code).toBe(0);
  });

  it('pauses, resumes, retargets and cancels; a second cancel is FAILED_PRECONDITION', async () => {
    const job = parseJson<{ job: { name: string } }>(
      await aepo([...base(), '--target', '0.5', '--json']),
    ).job;
    const paused = await aepo(['jobs', 'pause', jobIdOf(job.name)]);
    expect(paused.stdout.trim()).toBe(`job ${job.name} PAUSED`);

    const retarget = parseJson<{ job: { entropyTargetRevision: number; spec: Record<string, unknown> } }>(
      await aepo([
        'jobs',
        'set-target',
        job.name,
        '--schedule',
        'linear:0.6:0.3:0:50',
        '--tolerance',
        '0.08',
        '--json',
      ]),
    );
    expect(retarget.job.entropyTargetRevision).toBe(1);
    expect(retarget.job.spec['entropyTarget']).toMatchObject({
      schedule: { kind: 'SCHEDULE_KIND_LINEAR', startValue: 0.6, endValue: 0.3, endStep: 50 },
      tolerance: 0.08,
    });
    const human = await aepo(['jobs', 'set-target', job.name, '--target', '0.7']);
    expect(human.stdout.trim()).toBe(`job ${job.name} target 0.7 ±0.05 (revision 2)`);

    const resumed = parseJson<{ job: { state: string } }>(await aepo(['jobs', 'resume', job.name, '--json']));
    expect(resumed.job.state).toBe('JOB_STATE_QUEUED');
    const cancelled = parseJson<{ job: { state: string } }>(
      await aepo(['jobs', 'cancel', job.name, '--json']),
    );
    expect(cancelled.job.state).toBe('JOB_STATE_CANCELLED');
    expectError(await aepo(['jobs', 'cancel', job.name]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(await aepo(['jobs', 'pause', job.name]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(await aepo(['jobs', 'resume', job.name]), 19, /^aepo: FAILED_PRECONDITION: /);
    expectError(
      await aepo(['jobs', 'set-target', job.name, '--target', '0.5']),
      19,
      /^aepo: FAILED_PRECONDITION: /,
    );
  });

  it('reports every invalid field on one line, and usage mistakes with exit 2', async () => {
    expectError(
      await aepo([...base(), '--target', '-1', '--top-p', '2']),
      13,
      /^aepo: INVALID_ARGUMENT: .*spec\.entropy_target\.constant: .*; .*spec\.rollout\.top_p: /,
    );
    expectError(
      await aepo([
        'jobs',
        'create',
        '--model',
        'builtin:tiny-arith',
        '--dataset',
        NO_SUCH_ID,
        '--target',
        '0.5',
      ]),
      15,
      /^aepo: NOT_FOUND: .*training_dataset/,
    );
    expectError(await aepo(['jobs', 'get', NO_SUCH_ID]), 15, /^aepo: NOT_FOUND: /);
    expectError(await aepo(['jobs', 'get', `projects/-/jobs/${NO_SUCH_ID}`]), 15, /^aepo: NOT_FOUND: /);
    const wrongKind = await aepo(['jobs', 'cancel', names.dataset]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/expected a job id or a name like projects\/-\/jobs\/\{job\}/);
    expectError(
      await aepo([...base(), '--target', '0.5', '--schedule', 'linear:1:2']),
      2,
      /--target or --schedule/,
    );
    expectError(await aepo(['jobs', 'set-target', 'x', '--schedule', 'zigzag:1']), 2, /--schedule: expected/);
    const badFlag = await aepo([...base(), '--max-steps', 'many']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--max-steps <n>.*expected an integer/);
    const oldSpec = path.join(work, 'spec-0.1.json');
    writeFileSync(
      oldSpec,
      JSON.stringify({ base_model: 'builtin:tiny-arith', training_dataset_id: NO_SUCH_ID }),
    );
    expectError(
      await aepo(['jobs', 'create', '--spec', oldSpec]),
      2,
      /^aepo: --spec .*: training_dataset_id is now training_dataset \(a dataset name\)$/,
    );
    const badState = await aepo(['jobs', 'list', '--state', 'sleeping']);
    expect(badState.code).toBe(2);
  });
});
