import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GradeResult, GraderSpec } from './grader.types.js';

export interface GradingItem {
  pred: string;
  gold: string;
  spec?: GraderSpec;
}

export interface GradingRequest {
  id: number;
  items: GradingItem[];
}

export interface GradingResponse {
  id: number;
  results: (GradeResult | null)[];
}

/** The worker's first message: its modules are loaded, so a chunk's watchdog can start. */
export interface WorkerReady {
  ready: true;
}

export interface GradingPoolOptions {
  /** Worker threads; default: available cores minus one (at least 1). */
  workers?: number;
  /** The compiled worker script; default: `grading.worker.js` beside this module, else in ../dist. */
  workerUrl?: URL;
  /** Items per message; small enough to spread a batch, large enough to amortise messaging. */
  chunkSize?: number;
  /**
   * Watchdog for a worker that stops answering (a bug, never a slow grade: every grade is bounded
   * by its deterministic work budget). Default 10 s per chunk plus 500 ms per item.
   */
  watchdogMs?: { base: number; perItem: number };
}

const DEFAULT_WATCHDOG = { base: 10_000, perItem: 500 };

/**
 * Finds the runnable worker script. Compiled code finds it beside itself; when this module runs
 * from TypeScript sources (vitest), the worker comes from the package's built dist folder.
 */
export function resolveWorkerUrl(): URL {
  const beside = new URL('./grading.worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../dist/grading.worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `grading worker script not found at ${fileURLToPath(beside)} or ${fileURLToPath(built)}; build @aepo/rewards first`,
  );
}

interface Task {
  id: number;
  items: GradingItem[];
  resolve: (r: (GradeResult | null)[]) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** Set by the worker's ready message; chunks wait for it, so start-up never counts as a hang. */
  ready: boolean;
}

/**
 * Grades batches on worker threads so the caller's event loop never blocks. Each grade is bounded by
 * its work budget; a worker that hangs anyway (the watchdog, far above any budgeted grade) is
 * terminated and replaced, and its chunk scores 0 with reason `timeout`.
 */
export class GradingPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly url: URL;
  private readonly chunkSize: number;
  private readonly watchdog: { base: number; perItem: number };
  private nextId = 0;
  private closed = false;

  constructor(opts: GradingPoolOptions = {}) {
    const n = Math.max(1, Math.floor(opts.workers ?? Math.max(1, availableParallelism() - 1)));
    this.url = opts.workerUrl ?? resolveWorkerUrl();
    this.chunkSize = Math.max(1, opts.chunkSize ?? 64);
    this.watchdog = opts.watchdogMs ?? DEFAULT_WATCHDOG;
    for (let i = 0; i < n; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  async gradeBatch(items: GradingItem[]): Promise<(GradeResult | null)[]> {
    if (this.closed) throw new Error('GradingPool is closed');
    const chunks: Promise<(GradeResult | null)[]>[] = [];
    for (let i = 0; i < items.length; i += this.chunkSize) {
      const chunk = items.slice(i, i + this.chunkSize);
      chunks.push(new Promise((resolve) => this.enqueue({ id: this.nextId++, items: chunk, resolve })));
    }
    return (await Promise.all(chunks)).flat();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue.splice(0)) t.resolve(t.items.map(() => ({ score: 0, reason: 'pool_closed' })));
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        s.task?.resolve(s.task.items.map(() => ({ score: 0, reason: 'pool_closed' })));
        s.task = null;
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.url), task: null, timer: null, ready: false };
    slot.worker.on('message', (res: GradingResponse | WorkerReady) => {
      if ('ready' in res) {
        slot.ready = true;
        // From here a chunk's watchdog timer keeps the process alive while the worker grades.
        slot.worker.unref();
        this.pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== res.id) return;
      this.finish(slot, res.results);
    });
    slot.worker.on('error', () => this.replace(slot, 'error'));
    // A starting worker keeps the process alive only while work waits for it (see enqueue).
    if (this.queue.length === 0) slot.worker.unref();
    return slot;
  }

  private enqueue(task: Task): void {
    // Work that waits for a worker still starting must keep the process alive (no timer runs yet).
    for (const slot of this.slots) if (!slot.ready) slot.worker.ref();
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      const deadline = this.watchdog.base + task.items.length * this.watchdog.perItem;
      slot.timer = setTimeout(() => this.replace(slot, 'timeout'), deadline);
      slot.worker.postMessage({ id: task.id, items: task.items } satisfies GradingRequest);
    }
  }

  private finish(slot: Slot, results: (GradeResult | null)[]): void {
    const task = slot.task!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = null;
    slot.timer = null;
    task.resolve(results);
    this.pump();
  }

  /** Replaces a crashed or overrunning worker; its chunk is scored 0 with the given reason. */
  private replace(slot: Slot, reason: string): void {
    if (this.closed) return;
    const task = slot.task;
    if (slot.timer) clearTimeout(slot.timer);
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    const fresh = this.spawn();
    if (i >= 0) this.slots[i] = fresh;
    slot.task = null;
    task?.resolve(task.items.map(() => ({ score: 0, reason })));
    this.pump();
  }
}
