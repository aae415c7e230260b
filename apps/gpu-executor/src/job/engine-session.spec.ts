import { Precision } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_DEFAULT_TOKEN_BUDGET } from '../testing/fake-engine.js';
import { runnerSpec } from '../testing/runner-fixtures.js';
import { engineHandle, silentLog } from '../testing/runner-parts.js';
import { EngineSession } from './engine-session.js';
import { JobFailure } from './job-errors.js';
import { toAlgorithmConfig } from './job-spec.mapper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-session-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(spec = runnerSpec(), loadRetries = 2) {
  const handle = engineHandle();
  let healthChecks = 0;
  handle.ensureHealthy = async () => {
    healthChecks++;
  };
  const session = new EngineSession({
    engine: handle,
    spec,
    config: toAlgorithmConfig(spec),
    loadRetries,
    log: silentLog,
  });
  return { handle, client: handle.client, session, healthChecks: () => healthChecks };
}

const transient = () => Object.assign(new Error('socket closed'), { code: status.UNAVAILABLE });

describe('EngineSession', () => {
  it("loads the spec's model with its seed and optimizer, and keeps the budget the engine reports", async () => {
    const { client, session } = setup();
    await session.load(null);
    expect(client.calls).toEqual(['load:builtin:tiny-arith']);
    expect(client.loads[0]).toMatchObject({ model: 'builtin:tiny-arith', seed: 7, lr: 1e-3 });
    expect(session.tokenBudget).toBe(FAKE_DEFAULT_TOKEN_BUDGET);
    expect(session.budgetReduced).toBe(false);
  });

  it('knows when the engine process is not the one it loaded', async () => {
    const { handle, session, healthChecks } = setup();
    expect(session.restarted).toBe(true); // nothing loaded yet
    await session.load(null);
    expect(session.restarted).toBe(false);
    expect(await session.waitHealthy()).toBe(false);
    handle.generation++;
    expect(await session.waitHealthy()).toBe(true);
    expect(healthChecks()).toBe(3);
  });

  it('restores a checkpoint after the Load, and the restarted engine counts as loaded again', async () => {
    const { handle, client, session } = setup();
    await client.saveCheckpoint(join(dir, 'engine'));
    handle.generation = 5;
    await session.load(join(dir, 'engine'));
    expect(client.calls).toEqual(['save', 'load:builtin:tiny-arith', 'restore']);
    expect(session.restarted).toBe(false);
  });

  it('retries a transient Load failure and fails UNAVAILABLE once the retries are spent', async () => {
    const ok = setup();
    let failures = 1;
    const load = ok.client.load.bind(ok.client);
    ok.client.load = async (req) => {
      if (failures-- > 0) throw transient();
      return load(req);
    };
    await ok.session.load(null);
    expect(ok.healthChecks()).toBe(2);

    const bad = setup(runnerSpec(), 1);
    bad.client.loadError = transient();
    const e = (await bad.session.load(null).catch((err: unknown) => err)) as JobFailure;
    expect(e).toBeInstanceOf(JobFailure);
    expect(e.code).toBe(status.UNAVAILABLE);
    expect(e.message).toBe('engine failed to load builtin:tiny-arith 2 times: socket closed');
    expect(bad.client.loads).toHaveLength(2);
  });

  it('fails FAILED_PRECONDITION at once when the engine rejects the model or the checkpoint', async () => {
    const { client, session } = setup();
    client.loadError = Object.assign(new Error('no such file'), { code: status.NOT_FOUND });
    const e = (await session.load('/ckpt/engine').catch((err: unknown) => err)) as JobFailure;
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.message).toBe(
      'engine cannot restore checkpoint /ckpt/engine of model builtin:tiny-arith: no such file',
    );
    expect(client.loads).toHaveLength(1);
  });

  it('loads with a reduced token budget from the next Load on', async () => {
    const { client, session } = setup();
    await session.load(null);
    session.reduceTokenBudget(FAKE_DEFAULT_TOKEN_BUDGET / 2);
    await session.load(null);
    expect(client.loads.map((l) => l.options?.maxTokensPerMicroBatch)).toEqual([
      0,
      FAKE_DEFAULT_TOKEN_BUDGET / 2,
    ]);
    expect(session.tokenBudget).toBe(FAKE_DEFAULT_TOKEN_BUDGET / 2);
    expect(session.budgetReduced).toBe(true);
  });

  it('merges the adapter only into the final checkpoint of a job that exports it', async () => {
    const adapter = { rank: 8, targetModules: ['q_proj'], exportMerged: true };
    const lora = setup(runnerSpec({ model: { precision: Precision.PRECISION_UNSPECIFIED, adapter } }));
    await lora.session.saveCheckpoint(join(dir, 'a'), false);
    await lora.session.saveCheckpoint(join(dir, 'b'), true);
    const full = setup();
    await full.session.saveCheckpoint(join(dir, 'c'), true);
    expect(lora.client.calls).toEqual(['save', 'save:merged']);
    expect(full.client.calls).toEqual(['save']);
  });
});
