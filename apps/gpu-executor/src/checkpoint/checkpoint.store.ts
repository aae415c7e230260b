/**
 * Checkpoints on a local or mounted folder: `<root>/<job id>/step-<N>/` holds `engine/` (the engine's
 * HF-format weights, optimizer and RNG state) and `trainer.json` (libs/aepo's TrainerState plus what
 * the executor needs to continue). A checkpoint is built in a temporary folder and renamed into place,
 * so a crash never leaves a half one under its final name.
 */
import type { TrainerState } from '@aepo/aepo';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the executor stores beside the trainer state. */
export interface CheckpointMeta {
  jobId: string;
  step: number;
  attempt: number;
  /** Revision of the entropy target the trainer held. */
  targetRevision: number;
  entropy: number;
  inBand: boolean;
  rewardMean: number;
  validationAccuracy?: number;
}

export interface CheckpointFile {
  version: 1;
  meta: CheckpointMeta;
  trainer: TrainerState;
}

export interface SavedCheckpoint {
  uri: string;
  dir: string;
  sizeBytes: number;
  meta: CheckpointMeta;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export const TRAINER_FILE = 'trainer.json';
export const ENGINE_DIR = 'engine';

/** A checkpoint read back: its trainer file and the local folders the engine loads. */
export interface RestoredCheckpoint {
  file: CheckpointFile;
  engineDir: string;
  dir: string;
}

/** Where checkpoints go: this folder (CheckpointStore) or an object store (ObjectCheckpointStore). */
export interface CheckpointBackend {
  save(
    meta: CheckpointMeta,
    trainer: TrainerState,
    saveEngine: (dir: string) => Promise<unknown>,
  ): Promise<SavedCheckpoint>;
  read(uri: string): Promise<RestoredCheckpoint>;
  prune(jobId: string, keepLast: number): Promise<string[]>;
  /** After the job succeeded: publishes the model of its last checkpoint; answers where, or null. */
  exportModel(saved: SavedCheckpoint): Promise<string | null>;
}

export class CheckpointStore implements CheckpointBackend {
  readonly root: string;

  constructor(root: string) {
    this.root = isAbsolute(root) ? root : resolve(root);
  }

  private jobDir(jobId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new CheckpointError(`unusable job id for a path: ${jobId}`);
    return join(this.root, jobId);
  }

  /**
   * Saves a checkpoint: `saveEngine(dir)` writes the engine's part into `dir`, then the trainer state
   * is written beside it and the folder is renamed into place (replacing a replayed step's one).
   */
  async save(
    meta: CheckpointMeta,
    trainer: TrainerState,
    saveEngine: (dir: string) => Promise<unknown>,
  ): Promise<SavedCheckpoint> {
    const jobDir = this.jobDir(meta.jobId);
    await mkdir(jobDir, { recursive: true });
    const tmp = join(jobDir, `.tmp-step-${meta.step}-${randomBytes(4).toString('hex')}`);
    const final = this.stepDir(meta.jobId, meta.step);
    await mkdir(tmp, { recursive: true });
    try {
      await saveEngine(join(tmp, ENGINE_DIR));
      const file: CheckpointFile = { version: 1, meta, trainer };
      await writeFile(join(tmp, TRAINER_FILE), JSON.stringify(file, null, 1));
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return { uri: pathToFileURL(final).href, dir: final, sizeBytes: await dirSize(final), meta };
  }

  /** Reads a checkpoint reported earlier (by this or another executor sharing the volume). */
  async read(uri: string): Promise<RestoredCheckpoint> {
    let dir: string;
    try {
      dir = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
    } catch {
      throw new CheckpointError(`checkpoint uri ${uri} is not a file URI`);
    }
    let text: string;
    try {
      text = await readFile(join(dir, TRAINER_FILE), 'utf8');
    } catch (e) {
      throw new CheckpointError(
        `checkpoint ${uri} cannot be read (${(e as Error).message}); is the checkpoint volume shared by every executor?`,
      );
    }
    const file = JSON.parse(text) as CheckpointFile;
    if (file.version !== 1)
      throw new CheckpointError(`checkpoint ${uri} has unsupported version ${String(file.version)}`);
    return { file, engineDir: join(dir, ENGINE_DIR), dir };
  }

  /**
   * Deletes a job's checkpoints except the newest `keepLast` and the best one inside the band
   * (highest validation accuracy, else highest reward mean), which the API may point users to.
   */
  async prune(jobId: string, keepLast: number): Promise<string[]> {
    const metas = await this.list(jobId);
    const removed: string[] = [];
    for (const meta of checkpointsToPrune(metas, keepLast)) {
      const name = `step-${meta.step}`;
      await rm(join(this.jobDir(jobId), name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** The metas of a job's readable checkpoints. */
  async list(jobId: string): Promise<CheckpointMeta[]> {
    const jobDir = this.jobDir(jobId);
    let names: string[];
    try {
      names = await readdir(jobDir);
    } catch {
      return [];
    }
    const metas: CheckpointMeta[] = [];
    for (const name of names) {
      if (!/^step-\d+$/.test(name)) continue;
      try {
        const file = JSON.parse(await readFile(join(jobDir, name, TRAINER_FILE), 'utf8')) as CheckpointFile;
        metas.push(file.meta);
      } catch {
        // Unreadable: leave it alone.
      }
    }
    return metas;
  }

  /** The folder a checkpoint of `step` is saved in. */
  stepDir(jobId: string, step: number): string {
    return join(this.jobDir(jobId), `step-${step}`);
  }

  /** Removes every checkpoint folder of the job but step `keep`'s (an object store's scratch copies). */
  async keepOnly(jobId: string, keep: number): Promise<void> {
    for (const meta of await this.list(jobId)) {
      if (meta.step !== keep) await rm(this.stepDir(jobId, meta.step), { recursive: true, force: true });
    }
  }

  /** On the volume the last checkpoint's folder is the model already: nothing to export. */
  exportModel(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

/**
 * The retention rule of every backend (and of the API's records, which mirror it): keep the newest
 * `keepLast` checkpoints and the best one inside the band (highest validation accuracy, then highest
 * reward mean); answers the others, to delete.
 */
export function checkpointsToPrune(metas: CheckpointMeta[], keepLast: number): CheckpointMeta[] {
  const newestFirst = [...metas].sort((a, b) => b.step - a.step);
  const keep = new Set(newestFirst.slice(0, keepLast).map((m) => m.step));
  const best = newestFirst
    .filter((m) => m.inBand)
    .sort(
      (a, b) => (b.validationAccuracy ?? -1) - (a.validationAccuracy ?? -1) || b.rewardMean - a.rewardMean,
    )[0];
  if (best) keep.add(best.step);
  return newestFirst.filter((m) => !keep.has(m.step));
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirSize(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}
