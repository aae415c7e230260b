import { status } from '@grpc/grpc-js';
import { JobEventType, UpdateJobRequest, type DeepPartial, type EntropyTarget } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { failure } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, create, md, t } from './fixture.js';

// Cases of fine-tuning.integration-spec.ts: UpdateJob, the AIP-134 update with a field mask.

const update = (id: string, paths: string[], target?: DeepPartial<EntropyTarget>, mdOf = md) =>
  call(
    c,
    c.updateJob,
    UpdateJobRequest.fromPartial({ job: { id, spec: { entropyTarget: target } }, updateMask: paths }),
    mdOf,
  ).then((r) => r.job!);

describe('UpdateJob', () => {
  it('sets the parts the mask names, keeps the rest, and records each change with a new revision', async () => {
    const job = await create({ entropyTarget: { constant: 0.3, tolerance: 0.04 } });
    const narrowed = await update(job.id, ['spec.entropy_target.tolerance'], { tolerance: 0.02 });
    expect(narrowed.entropyTargetRevision).toBe(1);
    expect(narrowed.spec!.entropyTarget).toMatchObject({ constant: 0.3, tolerance: 0.02 });

    const replaced = await update(job.id, ['spec.entropy_target'], { constant: 0.45 });
    expect(replaced.entropyTargetRevision).toBe(2);
    // The whole target is replaced: the unset tolerance takes its default again.
    expect(replaced.spec!.entropyTarget).toMatchObject({ constant: 0.45, tolerance: 0.05 });
    expect(replaced.spec!.baseModel).toBe(job.spec!.baseModel);

    const events = await call(c, c.listJobEvents, { jobId: job.id, pageSize: 100, pageToken: '' }, md);
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
      const err = await failure(update(job.id, paths, { constant: 0.2 }));
      expect([paths, err.code, err.fields]).toEqual([paths, status.INVALID_ARGUMENT, ['update_mask']]);
    }
    const got = await call(c, c.getJob, { id: job.id }, md);
    expect(got.job!.entropyTargetRevision).toBe(0);
  });

  it('names a bad value inside job.spec, a missing id as job.id', async () => {
    const job = await create();
    const bad = await failure(update(job.id, ['spec.entropy_target.constant'], { constant: -1 }));
    expect(bad).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['job.spec.entropy_target.constant'],
    });
    const noId = await failure(update('', ['spec.entropy_target'], { constant: 0.2 }));
    expect(noId).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['job.id'] });
  });

  it('answers NOT_FOUND for another project’s job and FAILED_PRECONDITION for a finished one', async () => {
    const job = await create();
    const other = await t.newProject('update-other');
    expect((await failure(update(job.id, ['spec.entropy_target'], { constant: 0.2 }, other.md))).code).toBe(
      status.NOT_FOUND,
    );
    await call(c, c.cancelJob, { id: job.id }, md);
    expect((await failure(update(job.id, ['spec.entropy_target'], { constant: 0.2 }))).code).toBe(
      status.FAILED_PRECONDITION,
    );
  });
});
