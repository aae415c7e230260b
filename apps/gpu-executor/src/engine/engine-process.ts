/**
 * Spawns the Python policy engine (`python -m aepo_engine serve`) under uv, waits until it answers a
 * health check, and stops it (SIGTERM for a graceful stop, SIGKILL after a grace period). No
 * supervision here: callers (the executor) restart it on `exited` if they want to.
 *
 * The engine's stdin is a pipe this process holds and never writes to: when this process dies, even by
 * SIGKILL, the pipe closes and the engine (started with --exit-with-parent) exits instead of running on
 * with no one to serve.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findUv } from './uv-binary.js';

export interface EngineProcessOptions {
  /** gRPC listen address: `unix:///path/to.sock` or `127.0.0.1:PORT`. */
  address: string;
  /** Repository root (the engine project is `apps/gpu-executor/engine` below it). Default cwd. */
  repoRoot?: string;
  /** Extra environment (AEPO_ENGINE_* settings, OMP_NUM_THREADS, ...), merged over process.env. */
  env?: Record<string, string>;
  /** Resolves true once the server answers; polled until then. */
  healthCheck: () => Promise<boolean>;
  /** Give up starting after this long. Default 180 s (first start may build builtin models). */
  startTimeoutMs?: number;
  /** Each line the engine writes to stdout/stderr. Default: dropped. */
  onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** The uv executable, or a function that finds it (it may throw). Default: findUv(). */
  uv?: string | (() => string);
}

export class EngineStartError extends Error {
  constructor(
    message: string,
    readonly logTail: string[],
    /** True when trying again cannot help (the executable is missing): the supervisor gives up. */
    readonly permanent = false,
  ) {
    super(`${message}${logTail.length ? `\n--- engine log tail ---\n${logTail.join('\n')}` : ''}`);
    this.name = 'EngineStartError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EngineProcess {
  /** Resolves with the exit code (or signal name) when the process ends, for whatever reason. */
  readonly exited: Promise<number | string>;
  private exitValue: number | string | null = null;
  private spawnError: Error | null = null;
  private readonly logTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    onLog: EngineProcessOptions['onLog'],
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitValue = code ?? signal ?? -1;
        child.stdin?.destroy();
        resolve(this.exitValue);
      });
      child.once('error', (err) => {
        this.spawnError = err;
        this.pushLog(`spawn error: ${err.message}`);
        this.exitValue = -1;
        child.stdin?.destroy();
        resolve(-1);
      });
    });
    // Never written to (see above); an engine that exits first must not make it throw EPIPE.
    child.stdin?.on('error', () => undefined);
    for (const stream of ['stdout', 'stderr'] as const) {
      let buf = '';
      child[stream]?.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.pushLog(line);
          onLog?.(line, stream);
        }
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitValue === null;
  }

  /** Spawns the engine and resolves once healthy; kills it and throws EngineStartError otherwise. */
  static async start(opts: EngineProcessOptions): Promise<EngineProcess> {
    const root = opts.repoRoot ?? process.cwd();
    let uv: string;
    try {
      uv = typeof opts.uv === 'string' ? opts.uv : (opts.uv ?? findUv)();
    } catch (e) {
      throw new EngineStartError((e as Error).message, [], true);
    }
    const socketPath = opts.address.startsWith('unix://') ? opts.address.slice('unix://'.length) : null;
    // A stale socket file from a killed engine would make bind fail.
    if (socketPath && existsSync(socketPath)) rmSync(socketPath);
    const child = spawn(
      uv,
      [
        'run',
        '--frozen',
        '--project',
        join(root, 'apps/gpu-executor/engine'),
        'python',
        '-m',
        'aepo_engine',
        'serve',
        '--address',
        opts.address,
        '--exit-with-parent',
      ],
      // Own process group, so stop() reaches python under uv as well.
      { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    const proc = new EngineProcess(child, opts.address, opts.onLog);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
    while (Date.now() < deadline) {
      if (proc.spawnError)
        throw new EngineStartError(`cannot run ${uv}: ${proc.spawnError.message}`, [], true);
      if (!proc.running)
        throw new EngineStartError(`engine exited during start (${String(proc.exitValue)})`, proc.logTail);
      const healthy = await opts.healthCheck().catch(() => false);
      if (healthy) return proc;
      await sleep(200);
    }
    await proc.stop();
    throw new EngineStartError(`engine not healthy after ${opts.startTimeoutMs ?? 180_000} ms`, proc.logTail);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      this.child.kill(sig);
    }
  }

  /** The last lines the engine logged (for error reports). */
  recentLog(): string[] {
    return [...this.logTail];
  }

  private pushLog(line: string): void {
    this.logTail.push(line);
    if (this.logTail.length > 50) this.logTail.shift();
  }
}
