import { EntropyEstimator, type EntropyTarget } from '@aepo/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildParts } from '../testing/runner-parts.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'job-training-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const target = (constant: number): EntropyTarget => ({
  constant,
  tolerance: 0.05,
  estimator: EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
});

describe('JobTraining', () => {
  it("steps the trainer from scratch to the spec's last step", async () => {
    const { training } = buildParts({ dir });
    expect([training.step, training.totalSteps, training.done]).toEqual([0, 6, false]);
    for (let s = 1; s <= 6; s++) expect((await training.stepOnce()).record.step).toBe(s);
    expect(training.done).toBe(true);
  });

  it('applies a new target from the next step and holds its revision', async () => {
    const { training } = buildParts({ dir });
    const first = await training.stepOnce();
    expect(first.record.target).toBeCloseTo(0.4);
    training.applyTarget(target(0.2), 3);
    expect(training.heldRevision).toBe(3);
    const next = await training.stepOnce();
    expect(next.record.step).toBe(2);
    expect(next.record.target).toBeCloseTo(0.2);
    expect(next.events.map((e) => e.kind)).toContain('target-changed');
  });

  it('skips a target the trainer rejects but holds its revision (it is not retried every step)', async () => {
    const { training } = buildParts({ dir });
    await training.stepOnce();
    training.applyTarget(target(-1), 2);
    expect(training.heldRevision).toBe(2);
    expect((await training.stepOnce()).record.target).toBeCloseTo(0.4);
  });

  it('goes back to the state before a failed step', async () => {
    const { training } = buildParts({ dir });
    await training.stepOnce();
    const before = training.state();
    const lost = await training.stepOnce();
    training.retryFrom(before);
    expect(training.step).toBe(1);
    const again = await training.stepOnce();
    expect(again.record.step).toBe(2);
    expect(again.record.target).toBe(lost.record.target);
  });

  it('restoring a checkpoint saved under an older target revision applies the current target from its next step', async () => {
    const { training } = buildParts({ dir });
    training.applyTarget(target(0.3), 1);
    await training.stepOnce();
    // The checkpoint holds the live target of revision 1 (0.3); revision 2 (0.25) came after it.
    const checkpointed = training.state();
    training.applyTarget(target(0.25), 2);
    await training.stepOnce();

    training.restore(checkpointed, 1);
    expect([training.step, training.heldRevision]).toEqual([1, 2]);
    expect((await training.stepOnce()).record.target).toBeCloseTo(0.25);

    training.applyTarget(target(0.35), 3);
    const current = training.state();
    training.restore(current, 3);
    const same = await training.stepOnce();
    // A checkpoint of the current revision carries its own target: nothing is re-applied.
    expect(same.record.target).toBeCloseTo(0.35);
    expect(same.events.map((e) => e.kind)).not.toContain('target-changed');

    training.restore(undefined, undefined);
    expect(training.step).toBe(0);
  });
});
