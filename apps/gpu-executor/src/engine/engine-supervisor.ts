/**
 * Keeps one Python engine alive for the executor: spawns it (EngineProcess), restarts it when it dies
 * (with backoff), and stops it on shutdown. Every (re)start bumps `generation`: the engine's memory
 * (model, optimizer, rollouts) is gone after a restart, so the job runner reloads from its last
 * checkpoint when the generation it loaded into is no longer current.
 *
 * It gives up (start() rejects, `failed` resolves) on a start error marked `permanent` (the executable
 * is missing) and after `maxStartFailures` failed spawns in a row: a process that cannot get an engine
 * then ends with that error, instead of retrying forever with nothing to run jobs on.
 */
import type { Logger } from 'pino';
import type { ExecutorEngine } from './engine.port.js';

/** What the supervisor needs of a running engine process (EngineProcess has it). */
export interface SupervisedProcess {
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  readonly pid: number | undefined;
  stop(graceMs?: number): Promise<void>;
  recentLog(): string[];
}

export interface EngineSupervisorOptions {
  client: ExecutorEngine;
  /** Starts the process and resolves once healthy; null: the engine is managed elsewhere. */
  spawn: (() => Promise<SupervisedProcess>) | null;
  log: Logger;
  onRestart?: () => void;
  /** Delay before a restart, doubled per failed start up to 30 s. Default 500 ms. */
  restartDelayMs?: number;
  /** Failed spawns in a row before giving up (an unmanaged engine is waited for without limit). Default 5. */
  maxStartFailures?: number;
}

/** Why the supervisor gave up on the engine. */
export class EngineUnavailableError extends Error {
  constructor(cause: Error, attempts: number) {
    super(
      `the engine cannot start${attempts > 1 ? ` (${attempts} attempts)` : ''}: ${cause.message.split('\n')[0]}`,
      { cause },
    );
    this.name = 'EngineUnavailableError';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EngineSupervisor {
  private proc: SupervisedProcess | null = null;
  private starting: Promise<void> | null = null;
  private stopping = false;
  private gen = 0;
  private lastStartError: Error | null = null;
  private fatal: EngineUnavailableError | null = null;
  private reportFatal!: (err: EngineUnavailableError) => void;
  /** Resolves with the reason once the supervisor has given up on the engine; never otherwise. */
  readonly failed = new Promise<EngineUnavailableError>((resolve) => (this.reportFatal = resolve));

  constructor(private readonly opts: EngineSupervisorOptions) {}

  get client(): ExecutorEngine {
    return this.opts.client;
  }

  /** Incremented by every (re)start of the engine process. */
  get generation(): number {
    return this.gen;
  }

  get running(): boolean {
    return this.opts.spawn === null ? this.gen > 0 : this.proc?.running === true;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the engine (or, unmanaged, waits until it answers). */
  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.startLoop().finally(() => {
        this.starting = null;
      });
    }
    return this.starting;
  }

  /**
   * Resolves once a healthy engine is up: waits for a restart under way, restarts a process that
   * does not answer its health check.
   */
  async ensureHealthy(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.running && (await this.opts.client.health().catch(() => false))) return;
    const generation = this.gen;
    if (this.opts.spawn && this.proc?.running) {
      // The exit watcher restarts it (and counts the restart).
      this.opts.log.warn('engine does not answer its health check; restarting it');
      await this.proc.stop(2_000);
    }
    await new Promise((r) => setImmediate(r));
    if (this.starting) return this.starting;
    if (this.gen !== generation) return;
    return this.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.starting?.catch(() => undefined);
    await this.proc?.stop();
  }

  private async startLoop(): Promise<void> {
    let delay = this.opts.restartDelayMs ?? 500;
    const maxFailures = this.opts.maxStartFailures ?? 5;
    for (let failures = 0; ;) {
      if (this.fatal) throw this.fatal;
      if (this.stopping) throw new Error('executor is stopping');
      try {
        if (this.opts.spawn === null) {
          if (!(await this.opts.client.health().catch(() => false))) throw new Error('engine not answering');
        } else {
          const proc = await this.opts.spawn();
          this.proc = proc;
          this.watch(proc);
        }
        this.gen++;
        this.lastStartError = null;
        this.opts.log.info({ generation: this.gen, pid: this.proc?.pid }, 'engine ready');
        return;
      } catch (e) {
        this.lastStartError = e as Error;
        failures++;
        // An engine managed elsewhere (no spawn) may take its time to come up: wait for it without limit.
        const spawned = this.opts.spawn !== null;
        if ((e as { permanent?: unknown }).permanent === true || (spawned && failures >= maxFailures)) {
          this.fatal = new EngineUnavailableError(e as Error, failures);
          this.opts.log.fatal({ err: (e as Error).message }, this.fatal.message);
          this.reportFatal(this.fatal);
          throw this.fatal;
        }
        this.opts.log.error({ err: (e as Error).message }, `engine start failed; retrying in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(30_000, delay * 2);
      }
    }
  }

  /** The last error of a failed start (for readiness reports). */
  get startError(): Error | null {
    return this.lastStartError;
  }

  private watch(proc: SupervisedProcess): void {
    void proc.exited.then((code) => {
      if (this.stopping || this.proc !== proc) return;
      this.opts.log.error(
        { code, log: proc.recentLog().slice(-10) },
        'engine exited unexpectedly; restarting it',
      );
      this.opts.onRestart?.();
      this.start().catch(() => undefined);
    });
  }
}
