import { status } from '@grpc/grpc-js';
import {
  JobEventType,
  jobIdOf,
  UpdateJobRequest,
  type DeepPartial,
  type EntropyTarget,
} from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { failure } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, create, md, t } from './fixture.js';

// Cases of fine-tuning.integration-spec.ts: UpdateJob, the AIP-134 update with a field mask.

const update = (name: string, paths: string[], target?: DeepPartial<EntropyTarget>, mdOf = md) =>
  call(
    c,
    c.updateJob,
    UpdateJobRequest.fromPartial({ job: { name, spec: { entropyTarget: target } }, updateMask: paths }),
    mdOf,
  ).then((r) => r.job!);

describe('UpdateJob', () => {
  it('sets the parts the mask names, keeps the rest, and records each change with a new revision', async () => {
    const job = await create({ entropyTarget: { constant: 0.3, tolerance: 0.04 } });
    const narrowed = await update(job.name, ['spec.entropy_target.tolerance'], { tolerance: 0.02 });
    expect(narrowed.entropyTargetRevision).toBe(1);
    expect(narrowed.spec!.entropyTarget).toMatchObject({ constant: 0.3, tolerance: 0.02 });

    const replaced = await update(job.name, ['spec.entropy_target'], { constant: 0.45 });
    expect(replaced.entropyTargetRevision).toBe(2);
    // The whole target is replaced: the unset tolerance takes its default again.
    expect(replaced.spec!.entropyTarget).toMatchObject({ constant: 0.45, tolerance: 0.05 });
    expect(replaced.spec!.baseModel).toBe(job.spec!.baseModel);

    const events = await call(c, c.listJobEvents, { parent: job.name, pageSize: 100, pageToken: '' }, md);
    const updates = events.events.filter((e) => e.type === JobEventType.JOB_EVENT_TYPE_TARGET_UPDATED);
    expect(updates.map((e) => e.entropyTargetRevision)).toEqual([1, 2]);
  });

  it('refuses an empty, wildcard, immutable or unknown mask naming update_mask, and changes nothing', async () => {
    const job = await create();
    for (const paths of [
      [],
      ['*'],
      ['spec.base_model'],
      ['display_name'],
      ['state'],
      ['spec.entropy_target.x'],
    ]) {
      const err = await failure(update(job.name, paths, { constant: 0.2 }));
      expect([paths, err.code, err.fields]).toEqual([paths, status.INVALID_ARGUMENT, ['update_mask']]);
    }
    const got = await call(c, c.getJob, { name: job.name }, md);
    expect(got.job!.entropyTargetRevision).toBe(0);
  });

  it('names a bad value inside job.spec, a missing or malformed name as job.name', async () => {
    const job = await create();
    const bad = await failure(update(job.name, ['spec.entropy_target.constant'], { constant: -1 }));
    expect(bad).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['job.spec.entropy_target.constant'],
    });
    for (const name of ['', jobIdOf(job.name), `${job.name}/checkpoints/1`]) {
      const err = await failure(update(name, ['spec.entropy_target'], { constant: 0.2 }));
      expect([name, err.code, err.fields]).toEqual([name, status.INVALID_ARGUMENT, ['job.name']]);
    }
    // `projects/-` stands for the caller's project.
    const viaWildcard = `projects/-/jobs/${jobIdOf(job.name)}`;
    expect((await update(viaWildcard, ['spec.entropy_target'], { constant: 0.2 })).name).toBe(job.name);
  });

  it('answers NOT_FOUND for another project’s job and FAILED_PRECONDITION for a finished one', async () => {
    const job = await create();
    const other = await t.newProject('update-other');
    for (const name of [job.name, `projects/-/jobs/${jobIdOf(job.name)}`]) {
      const err = await failure(update(name, ['spec.entropy_target'], { constant: 0.2 }, other.md));
      expect([name, err.code]).toEqual([name, status.NOT_FOUND]);
    }
    await call(c, c.cancelJob, { name: job.name }, md);
    expect((await failure(update(job.name, ['spec.entropy_target'], { constant: 0.2 }))).code).toBe(
      status.FAILED_PRECONDITION,
    );
  });
});
