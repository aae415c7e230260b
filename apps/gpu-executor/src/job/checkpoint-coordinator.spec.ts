import { EntropyEstimator } from '@aepo/contracts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, type SavedCheckpoint } from '../checkpoint/checkpoint.store.js';
import { runnerSpec } from '../testing/runner-fixtures.js';
import { buildParts } from '../testing/runner-parts.js';
import { toProtoStep } from './record.mapper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CheckpointCoordinator', () => {
  it("saves the engine and the trainer with the last step's entropy, band, reward and held target", async () => {
    const { training, checkpoints, client, store } = buildParts({ dir });
    expect(checkpoints.lastStep).toBe(0);
    expect(await checkpoints.readLast()).toBeNull();
    const { record } = await training.stepOnce();
    checkpoints.noteStep(record, undefined);
    training.applyTarget(
      { constant: 0.3, tolerance: 0.05, estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB },
      2,
    );
    const saved = await checkpoints.save(training);
    expect(saved.meta).toEqual({
      jobId: 'job-1',
      step: 1,
      attempt: 1,
      targetRevision: 2,
      entropy: record.entropyFullVocab,
      inBand: record.inBand,
      rewardMean: record.rewardMean,
    });
    expect(checkpoints.lastStep).toBe(1);
    expect(client.calls.at(-1)).toBe('save');
    const back = await checkpoints.readLast();
    expect(back!.file.trainer).toEqual(training.state());
    expect(existsSync(join(store.stepDir('job-1', 1), 'engine', 'w.json'))).toBe(true);
  });

  it('records the validation accuracy only of an evaluation at the checkpoint step', async () => {
    const { training, checkpoints } = buildParts({ dir });
    const { record } = await training.stepOnce();
    const evaluation = {
      step: 1,
      temperature: 1,
      prompts: 4,
      samplesPerPrompt: 1,
      accuracy: 0.75,
      passAtK: {},
      entropy: 0.3,
      responseLengthMean: 2,
      seconds: 0,
    };
    checkpoints.noteStep(record, evaluation);
    expect((await checkpoints.save(training)).meta.validationAccuracy).toBe(0.75);
    checkpoints.noteStep((await training.stepOnce()).record, undefined);
    expect((await checkpoints.save(training)).meta.validationAccuracy).toBeUndefined();
  });

  it("reports a checkpoint with what the API lists, then prunes to the spec's keep_last", async () => {
    const spec = runnerSpec({ checkpoint: { everyNSteps: 1, keepLast: 1 } });
    const { api, training, checkpoints, store } = buildParts({ dir, spec });
    const pruned: [string, number][] = [];
    store.prune = async (jobId: string, keepLast: number) => {
      pruned.push([jobId, keepLast]);
      throw new Error('volume busy'); // a failed prune is only logged
    };
    checkpoints.noteStep((await training.stepOnce()).record, undefined);
    const saved = await checkpoints.save(training);
    await checkpoints.report(saved);
    expect(api.checkpoints).toEqual([
      {
        jobId: 'job-1',
        attempt: 1,
        step: 1,
        uri: saved.uri,
        entropy: saved.meta.entropy,
        inBand: saved.meta.inBand,
        rewardMean: saved.meta.rewardMean,
        sizeBytes: saved.sizeBytes,
      },
    ]);
    expect(pruned).toEqual([['job-1', 1]]);
  });

  it('flush saves unsaved progress, then the heartbeat of its steps, then reports it', async () => {
    const { api, session, training, checkpoints } = buildParts({ dir });
    const { record } = await training.stepOnce();
    checkpoints.noteStep(record, undefined);
    session.enqueue(toProtoStep(record, 1, 0, 0));
    await checkpoints.flush(training);
    expect(api.log).toEqual(['heartbeat:[1]', 'checkpoint:1']);
    // Nothing new since: no checkpoint, no heartbeat.
    await checkpoints.flush(training);
    expect(api.log).toHaveLength(2);
  });

  it("adopts the lease's resume point only when it holds this job at that step", async () => {
    const first = buildParts({ dir });
    first.checkpoints.noteStep((await first.training.stepOnce()).record, undefined);
    const saved = await first.checkpoints.save(first.training);
    const resume = {
      name: 'projects/p-1/jobs/job-1/checkpoints/1',
      step: 1,
      uri: saved.uri,
      entropy: 0,
      inBand: false,
      rewardMean: 0,
      attempt: 1,
      sizeBytes: saved.sizeBytes,
    };

    const next = buildParts({ dir });
    await next.checkpoints.adoptResumePoint(resume, 'job-1');
    expect(next.checkpoints.lastStep).toBe(1);
    expect((await next.checkpoints.readLast())!.file.trainer.step).toBe(1);

    const wrongStep = buildParts({ dir }).checkpoints.adoptResumePoint({ ...resume, step: 2 }, 'job-1');
    await expect(wrongStep).rejects.toThrow(CheckpointError);
    await expect(wrongStep).rejects.toThrow(/holds job job-1 step 1, expected job job-1 step 2/);
    await expect(buildParts({ dir }).checkpoints.adoptResumePoint(resume, 'job-2')).rejects.toThrow(
      /expected job job-2 step 1/,
    );
  });

  it('exports the model of the last checkpoint, and none without one', async () => {
    const { training, checkpoints, store } = buildParts({ dir });
    const exported: SavedCheckpoint[] = [];
    store.exportModel = async (s?: SavedCheckpoint) => {
      if (!s) throw new Error('export without a checkpoint');
      exported.push(s);
      return `s3://models/${s.meta.step}`;
    };
    expect(await checkpoints.exportModel()).toBeNull();
    checkpoints.noteStep((await training.stepOnce()).record, undefined);
    const saved = await checkpoints.save(training);
    expect(await checkpoints.exportModel()).toBe('s3://models/1');
    expect(exported).toEqual([saved]);
  });
});
