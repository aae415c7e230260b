import { executorV1 } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildParts, noStop } from '../testing/runner-parts.js';
import { StepLoop, type StepLoopOptions } from './step-loop.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'step-loop-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The parts, resumed from scratch, and a loop over them (checkpoint every 2 steps as the spec says). */
async function setup(over: Partial<StepLoopOptions> = {}) {
  const p = buildParts({ dir });
  await p.recovery.resume();
  const loop = new StepLoop({
    ...p,
    checkpointEvery: 2,
    checkpointOnCancel: true,
    maxNonFiniteSteps: 3,
    ...over,
  });
  return { ...p, loop };
}

const steps = (p: { api: { steps: Map<number, unknown> } }) => [...p.api.steps.keys()].sort((a, b) => a - b);

describe('StepLoop', () => {
  it('heartbeats every step, reports each checkpoint after the heartbeat of its step, and completes SUCCEEDED', async () => {
    const p = await setup({ checkpointEvery: 4 });
    expect(await p.loop.run(noStop())).toBe('succeeded');
    expect(p.api.log).toEqual([
      'heartbeat:[1]',
      'heartbeat:[2]',
      'heartbeat:[3]',
      'heartbeat:[4]',
      'checkpoint:4',
      'heartbeat:[5]',
      'heartbeat:[6]',
      'checkpoint:6', // the last step is always checkpointed
      `complete:${executorV1.Outcome.OUTCOME_SUCCEEDED}`,
    ]);
  });

  it('a cancel already requested ends the job before any step, with nothing to checkpoint', async () => {
    const p = await setup();
    p.session.control.cancelRequested = true;
    expect(await p.loop.run(noStop())).toBe('cancelled');
    expect(p.client.calls.filter((c) => c === 'sample')).toHaveLength(0);
    expect(p.api.log).toEqual([`complete:${executorV1.Outcome.OUTCOME_CANCELLED}`]);
  });

  it('without checkpoint_on_cancel a cancel completes without saving the progress', async () => {
    const p = await setup({ checkpointOnCancel: false });
    p.api.onHeartbeat = (req) => {
      if (req.steps.some((s) => s.step === 3)) p.api.cancel = true;
    };
    expect(await p.loop.run(noStop())).toBe('cancelled');
    expect(p.api.log.slice(-2)).toEqual([
      'heartbeat:[3]',
      `complete:${executorV1.Outcome.OUTCOME_CANCELLED}`,
    ]);
    expect(p.checkpoints.lastStep).toBe(2);
  });

  it('when the engine dies while saving a checkpoint, the step is not sent and is replayed from the last one', async () => {
    const p = await setup();
    const save = p.client.saveCheckpoint.bind(p.client);
    let saves = 0;
    p.client.saveCheckpoint = async (d, o) => {
      if (++saves === 2) {
        p.handle.generation++;
        throw Object.assign(new Error('engine killed'), { code: status.UNAVAILABLE });
      }
      return save(d, o);
    };
    expect(await p.loop.run(noStop())).toBe('succeeded');
    expect(steps(p)).toEqual([1, 2, 3, 4, 5, 6]);
    // Step 4's first record never left: the API saw 3, then (after the rewind to 2) 3 again and 4.
    const rewind = p.api.log.findIndex((l) => l.startsWith('rewind:2:engine restarted after: engine killed'));
    expect(p.api.log.slice(rewind - 1, rewind + 4)).toEqual([
      'heartbeat:[3]',
      'rewind:2:engine restarted after: engine killed',
      'heartbeat:[3]',
      'heartbeat:[4]',
      'checkpoint:4',
    ]);
  });

  it('fails after maxNonFiniteSteps skipped updates in a row, and a finite step resets the count', async () => {
    const p = await setup({ maxNonFiniteSteps: 2 });
    let trains = 0;
    const train = p.client.train.bind(p.client);
    p.client.train = async (req) => {
      // Steps 1, 3 and 4 skip their update; step 2 does not.
      p.client.nonFiniteSteps = [1, 3, 4].includes(++trains) ? 1 : 0;
      return train(req);
    };
    await expect(p.loop.run(noStop())).rejects.toThrow(/not finite in 2 steps in a row \(steps 3\.\.4\)/);
    expect(steps(p)).toEqual([1, 2, 3, 4]);
  });
});
