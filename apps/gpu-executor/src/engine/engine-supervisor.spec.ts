import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../testing/fake-engine.js';
import { EngineStartError } from './engine-process.js';
import { EngineSupervisor, EngineUnavailableError, type SupervisedProcess } from './engine-supervisor.js';

class FakeProcess implements SupervisedProcess {
  running = true;
  pid = Math.floor(Math.random() * 1e6);
  private exit!: (v: number | string) => void;
  readonly exited = new Promise<number | string>((r) => (this.exit = r));
  die(code: number | string): void {
    this.running = false;
    this.exit(code);
  }
  async stop(): Promise<void> {
    this.die('SIGTERM');
  }
  recentLog(): string[] {
    return ['last line'];
  }
}

const log = pino({ level: 'silent' });

describe('EngineSupervisor', () => {
  it('restarts a dead engine, bumps the generation and counts the restart; stop() does not restart', async () => {
    const procs: FakeProcess[] = [];
    let restarts = 0;
    const sup = new EngineSupervisor({
      client: new FakeEngine(),
      log,
      restartDelayMs: 1,
      onRestart: () => restarts++,
      spawn: async () => {
        const p = new FakeProcess();
        procs.push(p);
        return p;
      },
    });
    await sup.start();
    expect(sup.generation).toBe(1);
    procs[0]!.die('SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
    await sup.ensureHealthy();
    expect(procs).toHaveLength(2);
    expect(sup.generation).toBe(2);
    expect(sup.running).toBe(true);
    expect(restarts).toBe(1);
    await sup.stop();
    expect(procs[1]!.running).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(procs).toHaveLength(2);
  });

  it('restarts an engine that stops answering its health check', async () => {
    const client = new FakeEngine();
    const procs: FakeProcess[] = [];
    const sup = new EngineSupervisor({
      client,
      log,
      restartDelayMs: 1,
      spawn: async () => {
        const p = new FakeProcess();
        procs.push(p);
        return p;
      },
    });
    await sup.start();
    client.health = async () => false;
    const healthy = sup.ensureHealthy();
    client.health = async () => true;
    await healthy;
    expect(procs[0]!.running).toBe(false);
    expect(sup.generation).toBe(2);
    await sup.stop();
  });

  it('keeps retrying a failing start with backoff until it succeeds', async () => {
    let tries = 0;
    const sup = new EngineSupervisor({
      client: new FakeEngine(),
      log,
      restartDelayMs: 1,
      spawn: async () => {
        if (++tries < 3) throw new Error('CUDA not ready');
        return new FakeProcess();
      },
    });
    await sup.start();
    expect(tries).toBe(3);
    expect(sup.generation).toBe(1);
    expect(sup.startError).toBeNull();
    await sup.stop();
  });

  it('gives up at once on a permanent start error: start() rejects and `failed` resolves with the reason', async () => {
    let tries = 0;
    const sup = new EngineSupervisor({
      client: new FakeEngine(),
      log,
      restartDelayMs: 1,
      spawn: async () => {
        tries++;
        throw new EngineStartError('cannot run /nowhere/uv: spawn /nowhere/uv ENOENT', [], true);
      },
    });
    const err = await sup.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toBe(
      'the engine cannot start: cannot run /nowhere/uv: spawn /nowhere/uv ENOENT',
    );
    expect(await sup.failed).toBe(err);
    expect(tries).toBe(1);
    // Later calls do not try again.
    await expect(sup.ensureHealthy()).rejects.toBe(err);
    expect(tries).toBe(1);
  });

  it('gives up after maxStartFailures failed starts in a row', async () => {
    let tries = 0;
    const sup = new EngineSupervisor({
      client: new FakeEngine(),
      log,
      restartDelayMs: 1,
      maxStartFailures: 3,
      spawn: async () => {
        tries++;
        throw new Error('engine exited during start (1)');
      },
    });
    await expect(sup.start()).rejects.toThrow(
      'the engine cannot start (3 attempts): engine exited during start (1)',
    );
    expect(tries).toBe(3);
  });

  it('waits without limit for an engine managed elsewhere (no spawn)', async () => {
    const client = new FakeEngine();
    let asked = 0;
    client.health = async () => ++asked > 8;
    const sup = new EngineSupervisor({ client, log, restartDelayMs: 1, maxStartFailures: 3, spawn: null });
    await sup.start();
    expect(asked).toBe(9);
    expect(sup.generation).toBe(1);
  });
});
