import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EngineProcess, EngineStartError } from './engine-process.js';

// A stand-in for `uv`: records its arguments, logs a line, marks itself ready, then waits to be killed.
const dir = mkdtempSync(join(tmpdir(), 'engine-process-'));
const fakeUv = join(dir, 'fake-uv.sh');
writeFileSync(
  fakeUv,
  `#!/bin/sh
echo "$@" > "${dir}/args"
echo "serving $AEPO_ENGINE_TEST_MARK"
if [ "$AEPO_ENGINE_FAIL" = 1 ]; then echo "boom: bad model" >&2; exit 3; fi
touch "${dir}/ready"
exec sleep 60
`,
);
chmodSync(fakeUv, 0o755);
const started: EngineProcess[] = [];

afterAll(async () => {
  for (const p of started) await p.stop(1000);
});

describe('EngineProcess', () => {
  it('spawns the engine under uv, waits for health, and stops it', async () => {
    const socket = join(dir, 'engine.sock');
    writeFileSync(socket, 'stale');
    const logs: string[] = [];
    const proc = await EngineProcess.start({
      address: `unix://${socket}`,
      repoRoot: dir,
      uv: fakeUv,
      env: { AEPO_ENGINE_TEST_MARK: 'mark-1' },
      healthCheck: async () => existsSync(join(dir, 'ready')),
      onLog: (line) => logs.push(line),
    });
    started.push(proc);
    expect(proc.running).toBe(true);
    expect(existsSync(socket)).toBe(false);
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe(
      `run --frozen --project ${dir}/apps/gpu-executor/engine python -m aepo_engine serve --address unix://${socket} --exit-with-parent`,
    );
    // The ready file can be seen before the pipe delivers the line printed just before it.
    await vi.waitFor(() => expect(logs).toContain('serving mark-1'), { timeout: 5000 });
    await proc.stop(2000);
    expect(proc.running).toBe(false);
    expect(await proc.exited).toBe('SIGTERM');
  });

  it('reports an engine that dies while starting, with its log', async () => {
    const err = await EngineProcess.start({
      address: '127.0.0.1:1',
      uv: fakeUv,
      env: { AEPO_ENGINE_FAIL: '1' },
      healthCheck: async () => false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineStartError);
    expect((err as EngineStartError).message).toMatch(/exited during start \(3\)/);
    expect((err as EngineStartError).logTail).toContain('boom: bad model');
  });

  it('gives up after the start timeout and kills the process', async () => {
    const err = await EngineProcess.start({
      address: '127.0.0.1:1',
      uv: fakeUv,
      healthCheck: async () => false,
      startTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineStartError);
    expect((err as EngineStartError).message).toMatch(/not healthy after 300 ms/);
  });

  it('fails for good, at once, when the uv executable does not exist', async () => {
    const started = Date.now();
    const err = await EngineProcess.start({
      address: '127.0.0.1:1',
      uv: join(dir, 'no-such-uv'),
      healthCheck: async () => false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineStartError);
    expect((err as EngineStartError).permanent).toBe(true);
    expect((err as Error).message).toBe(`cannot run ${dir}/no-such-uv: spawn ${dir}/no-such-uv ENOENT`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails for good when no uv can be found', async () => {
    const err = await EngineProcess.start({
      address: '127.0.0.1:1',
      uv: () => {
        throw new Error('uv not found (looked in PATH, /home/x/.local/bin)');
      },
      healthCheck: async () => false,
    }).catch((e: unknown) => e);
    expect((err as EngineStartError).permanent).toBe(true);
    expect((err as Error).message).toBe('uv not found (looked in PATH, /home/x/.local/bin)');
  });
});
