import type { StepOutcome } from '@aepo/aepo';
import { executorV1 } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../api/api-retry.js';
import { CheckpointError } from '../checkpoint/checkpoint.store.js';
import { ObjectStoreUnavailableError } from '../checkpoint/store-retry.js';
import { FAKE_DEFAULT_TOKEN_BUDGET } from '../testing/fake-engine.js';
import { buildParts, noStop, silentLog } from '../testing/runner-parts.js';
import { ABANDON } from './grace.js';
import { JobFailure } from './job-errors.js';
import { JobSpecError } from './job-spec.mapper.js';
import { toProtoStep } from './record.mapper.js';
import { REWOUND, endAfterError } from './recovery.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recovery-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const grpcError = (message: string, code: number) => Object.assign(new Error(message), { code });
type Parts = ReturnType<typeof buildParts>;

/** Resumes from scratch, runs `steps` steps with their records acknowledged, checkpoints the last. */
async function trainAndCheckpoint(p: Parts, steps: number): Promise<void> {
  await p.recovery.resume();
  for (let s = 0; s < steps; s++) {
    const out = (await p.recovery.step(noStop())) as StepOutcome;
    p.checkpoints.noteStep(out.record, undefined);
    p.session.enqueue(toProtoStep(out.record, 1, 0, 0));
  }
  await p.session.heartbeat();
  await p.checkpoints.save(p.training);
}

const samples = (p: Parts) => p.client.calls.filter((c) => c === 'sample').length;

describe('Recovery', () => {
  it('resumes from scratch without a checkpoint, and from the last checkpoint with one', async () => {
    const p = buildParts({ dir });
    await p.recovery.resume();
    expect(p.client.calls).toEqual(['load:builtin:tiny-arith']);
    expect(p.training.step).toBe(0);
    await trainAndCheckpoint(p, 2);
    const w = p.client.w;
    p.client.w = -1;
    await p.recovery.resume();
    expect(p.client.calls.slice(-2)).toEqual(['load:builtin:tiny-arith', 'restore']);
    expect([p.training.step, p.client.w]).toEqual([2, w]);
  });

  it('retries a failed step from the state before it, then fails ABORTED once the retries are spent', async () => {
    const p = buildParts({ dir, stepRetries: 2 });
    await p.recovery.resume();
    p.client.sampleFailures = [grpcError('CUDA hiccup', status.INTERNAL)];
    const out = (await p.recovery.step(noStop())) as StepOutcome;
    expect(out.record.step).toBe(1);
    expect(samples(p)).toBe(2);

    p.client.sampleFailures = [1, 2, 3].map(() => new Error('device lost'));
    const e = (await p.recovery.step(noStop()).catch((err: unknown) => err)) as JobFailure;
    expect(e).toBeInstanceOf(JobFailure);
    expect(e.code).toBe(status.ABORTED);
    expect(e.message).toBe('step 2 failed 3 times in the engine; last error: device lost');
  });

  it('after an engine restart: back to the last checkpoint, and the API is told to supersede later records', async () => {
    const p = buildParts({ dir });
    await trainAndCheckpoint(p, 2);
    const out = (await p.recovery.step(noStop())) as StepOutcome;
    p.session.enqueue(toProtoStep(out.record, 1, 0, 0));
    await p.session.heartbeat();
    p.client.onSample = async () => {
      p.client.onSample = null;
      p.handle.generation++;
      throw grpcError('socket closed', status.UNAVAILABLE);
    };
    expect(await p.recovery.step(noStop())).toBe(REWOUND);
    expect(p.training.step).toBe(2);
    expect(p.client.calls.slice(-2)).toEqual(['load:builtin:tiny-arith', 'restore']);
    await p.session.heartbeat();
    expect(p.api.log.at(-2)).toBe('rewind:2:engine restarted after: socket closed');
    expect([...p.api.steps.keys()]).toEqual([1, 2]);
  });

  it('fails the job when the engine keeps dying without getting past a step', async () => {
    const p = buildParts({ dir, stepRetries: 2 });
    await trainAndCheckpoint(p, 1);
    p.client.onSample = async () => {
      p.handle.generation++;
      throw grpcError('segfault', status.UNAVAILABLE);
    };
    expect(await p.recovery.step(noStop())).toBe(REWOUND);
    expect(await p.recovery.step(noStop())).toBe(REWOUND);
    await expect(p.recovery.step(noStop())).rejects.toThrow(
      'the engine died 3 times without getting past step 1; last error: segfault',
    );
  });

  it('out of memory: once more from the last checkpoint with half the token budget, then fails naming the knob', async () => {
    const p = buildParts({ dir });
    await trainAndCheckpoint(p, 1);
    p.client.oomAboveTokens = FAKE_DEFAULT_TOKEN_BUDGET - 1;
    expect(await p.recovery.step(noStop())).toBe(REWOUND);
    expect(p.client.loads.at(-1)!.options!.maxTokensPerMicroBatch).toBe(FAKE_DEFAULT_TOKEN_BUDGET / 2);
    expect(p.client.calls.at(-1)).toBe('restore');
    p.client.oomAboveTokens = 1;
    const e = (await p.recovery.step(noStop()).catch((err: unknown) => err)) as JobFailure;
    expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(e.message).toMatch(
      /^step 2 ran out of accelerator memory even with model.max_tokens_per_micro_batch 2048 \(already halved once\)/,
    );
  });

  it('a half-applied Train (ABORTED) goes back to the last checkpoint', async () => {
    const p = buildParts({ dir });
    await trainAndCheckpoint(p, 2);
    const w = p.client.w;
    p.client.sampleFailures = [grpcError('Train failed: 1 optimizer steps applied', status.ABORTED)];
    p.client.w += 0.5; // what the half update did
    expect(await p.recovery.step(noStop())).toBe(REWOUND);
    expect([p.training.step, p.client.w]).toEqual([2, w]);
  });

  it('a failed checkpoint rewinds only when the engine restarted; store errors end the job', async () => {
    const p = buildParts({ dir });
    await trainAndCheckpoint(p, 1);
    await expect(p.recovery.afterCheckpointFailure(new CheckpointError('disk full'))).rejects.toThrow(
      'disk full',
    );
    const hiccup = grpcError('deadline', status.DEADLINE_EXCEEDED);
    await expect(p.recovery.afterCheckpointFailure(hiccup)).rejects.toBe(hiccup);
    p.handle.generation++;
    expect(await p.recovery.afterCheckpointFailure(hiccup)).toBe(REWOUND);
    expect(p.client.calls.at(-1)).toBe('restore');
  });

  it('abandons a step that outruns the grace period after a stop', async () => {
    const p = buildParts({ dir, shutdownGraceMs: 20 });
    await p.recovery.resume();
    const stop = new AbortController();
    p.client.onSample = async () => {
      stop.abort();
      await new Promise((r) => setTimeout(r, 2000));
    };
    expect(await p.recovery.step(stop.signal)).toBe(ABANDON);
  });
});

describe('endAfterError', () => {
  it('stops without any write when the lease is lost', async () => {
    const p = buildParts({ dir });
    expect(await endAfterError(new LeaseLostError('stale attempt'), p.session, silentLog)).toBe('lost');
    expect(p.api.log).toEqual([]);
  });

  it.each([
    [new JobFailure(status.FAILED_PRECONDITION, 'no rows'), status.FAILED_PRECONDITION, 'no rows'],
    [new JobSpecError('bad spec'), status.INVALID_ARGUMENT, 'bad spec'],
    [new ObjectStoreUnavailableError('s3 down'), status.UNAVAILABLE, 's3 down'],
    [new CheckpointError('unreadable'), status.FAILED_PRECONDITION, 'unreadable'],
    [new Error('boom'), status.INTERNAL, 'executor error: boom'],
  ])('completes the job FAILED with the code of %s', async (e, code, message) => {
    const p = buildParts({ dir });
    expect(await endAfterError(e, p.session, silentLog)).toBe('failed');
    expect(p.api.outcome!.outcome).toBe(executorV1.Outcome.OUTCOME_FAILED);
    expect(p.api.outcome!.error).toEqual({ code, message, details: [] });
  });

  it("answers 'lost' when even the failure cannot be reported", async () => {
    const p = buildParts({ dir });
    p.api.completeJob = async () => {
      throw new Error('refused');
    };
    expect(await endAfterError(new Error('boom'), p.session, silentLog)).toBe('lost');
  });
});
