/**
 * Checkpoints in an S3-compatible object store. A checkpoint is built in the local scratch folder
 * (CheckpointStore), then every file is uploaded under `<job>/checkpoints/step-N/`, then its manifest
 * (sizes, sha256, the checkpoint's meta); only then does the runner report it to the API. A checkpoint
 * without a manifest does not exist: readers and pruning go by manifests. Reading (a resume, maybe on
 * another pod) downloads into the scratch folder and checks every file against the manifest.
 */
import {
  ManifestError,
  type Manifest,
  type ManifestFile,
  type ObjectStore,
  artifactKeys,
  describeFolder,
  parseManifest,
  sha256File,
} from '@aepo/artifacts';
import type { TrainerState } from '@aepo/aepo';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  type CheckpointBackend,
  CheckpointError,
  type CheckpointMeta,
  CheckpointStore,
  ENGINE_DIR,
  type RestoredCheckpoint,
  type SavedCheckpoint,
  checkpointsToPrune,
} from './checkpoint.store.js';
import { type StoreRetryOptions, withStoreRetry } from './store-retry.js';

/** The engine's own training state (engine.py CHECKPOINT_STATE, CHECKPOINT_META, CHECKPOINT_MASTER): not part of the model. */
const ENGINE_TRAINING_STATE = new Set(['engine_state.pt', 'engine.json', 'engine_master.safetensors']);
/** engine.py MERGED_DIR: a LoRA job's merged model, written into its final checkpoint with export_merged. */
const MERGED_DIR = 'merged';

/**
 * Which files of a checkpoint make up its Hugging Face model folder, and their path there: the merged
 * model when the checkpoint has one, else the engine folder's weights, config and tokenizer (for LoRA,
 * the peft adapter).
 */
export function modelPathIn(checkpointDir: string): (path: string) => string | undefined {
  const merged = existsSync(join(checkpointDir, ENGINE_DIR, MERGED_DIR));
  return (path) => {
    if (!path.startsWith(`${ENGINE_DIR}/`)) return undefined;
    const inner = path.slice(ENGINE_DIR.length + 1);
    if (merged) return inner.startsWith(`${MERGED_DIR}/`) ? inner.slice(MERGED_DIR.length + 1) : undefined;
    return inner.includes('/') || ENGINE_TRAINING_STATE.has(inner) ? undefined : inner;
  };
}

export interface ObjectCheckpointStoreOptions {
  store: ObjectStore;
  /** Where checkpoints are built before the upload and downloaded to before a load. */
  scratch: CheckpointStore;
  retry: StoreRetryOptions;
  log: Logger;
}

export class ObjectCheckpointStore implements CheckpointBackend {
  constructor(private readonly o: ObjectCheckpointStoreOptions) {}

  async save(
    meta: CheckpointMeta,
    trainer: TrainerState,
    saveEngine: (dir: string) => Promise<unknown>,
  ): Promise<SavedCheckpoint> {
    const local = await this.o.scratch.save(meta, trainer, saveEngine);
    const folder = artifactKeys.checkpoint(meta.jobId, meta.step);
    const files = await describeFolder(local.dir, modelPathIn(local.dir));
    const manifest: Manifest = {
      version: 1,
      kind: 'checkpoint',
      jobId: meta.jobId,
      step: meta.step,
      createTime: new Date().toISOString(),
      files,
      meta,
    };
    await this.publish(folder, manifest, (f) => join(local.dir, f.path), `checkpoint of step ${meta.step}`);
    // The store holds it now; older scratch copies are only disk use (a rewind reads the newest).
    await this.o.scratch.keepOnly(meta.jobId, meta.step).catch((e: unknown) => {
      this.o.log.warn({ err: (e as Error).message }, 'could not clear old scratch checkpoints');
    });
    return { ...local, uri: this.o.store.uri(folder) };
  }

  /**
   * Uploads the files, then the manifest. A replayed step's earlier upload (saved but never reported:
   * the runner only saves steps after the last reported checkpoint) loses its manifest first, since its
   * files are about to be overwritten. An outage is waited out file by file; nothing else is deleted.
   */
  private async publish(
    folder: string,
    manifest: Manifest,
    source: (f: ManifestFile) => string,
    what: string,
  ): Promise<void> {
    const { store, retry, log } = this.o;
    const manifestKey = artifactKeys.manifest(folder);
    await withStoreRetry(
      `${what}: clearing an unreported manifest`,
      () => store.delete(manifestKey),
      retry,
      log,
    );
    const uploaded = new Set<string>();
    await withStoreRetry(
      `${what}: uploading ${manifest.files.length} files`,
      async () => {
        for (const f of manifest.files) {
          if (uploaded.has(f.path)) continue;
          await store.putFile(folder + f.path, source(f));
          uploaded.add(f.path);
        }
      },
      retry,
      log,
    );
    await withStoreRetry(
      `${what}: writing the manifest`,
      () => store.putJson(manifestKey, manifest),
      retry,
      log,
    );
  }

  async read(uri: string): Promise<RestoredCheckpoint> {
    // A checkpoint saved on the volume before this deployment had an object store.
    if (uri.startsWith('file:')) return this.o.scratch.read(uri);
    const folder = this.o.store.keyOf(uri);
    if (folder === null)
      throw new CheckpointError(
        `checkpoint ${uri} is not in this executor's object store (${this.o.store.uri('')})`,
      );
    const manifest = await this.manifestAt(folder, uri);
    const dir = this.o.scratch.stepDir(manifest.jobId, manifest.step);
    await this.materialize(manifest, folder, dir, uri);
    return this.o.scratch.read(dir);
  }

  private async manifestAt(folder: string, uri: string): Promise<Manifest> {
    const raw = await withStoreRetry(
      `reading the manifest of ${uri}`,
      () => this.o.store.getJson(artifactKeys.manifest(folder)),
      this.o.retry,
      this.o.log,
    );
    if (raw === null)
      throw new CheckpointError(`checkpoint ${uri} has no manifest: it was never completed, or was deleted`);
    try {
      return parseManifest(raw, uri);
    } catch (e) {
      if (e instanceof ManifestError) throw new CheckpointError(e.message);
      throw e;
    }
  }

  /**
   * Makes `dir` hold exactly the manifest's files: a scratch copy that already matches (this pod
   * saved it) is used as is; otherwise every file is downloaded into a fresh folder, checked, and the
   * folder renamed into place.
   */
  private async materialize(m: Manifest, folder: string, dir: string, uri: string): Promise<void> {
    if (existsSync(dir) && sameFiles(await describeFolder(dir), m.files)) return;
    const tmp = join(dirname(dir), `.tmp-restore-${m.step}-${randomBytes(4).toString('hex')}`);
    try {
      for (const f of m.files) {
        const path = join(tmp, f.path);
        await mkdir(dirname(path), { recursive: true });
        await withStoreRetry(
          `downloading ${f.path} of ${uri}`,
          () => this.o.store.downloadFile(folder + f.path, path),
          this.o.retry,
          this.o.log,
        );
        const size = (await stat(path)).size;
        const sha256 = await sha256File(path);
        if (size !== f.size || sha256 !== f.sha256) {
          throw new CheckpointError(
            `file ${f.path} of checkpoint ${uri} does not match its manifest: ${size} bytes sha256 ${sha256}, expected ${f.size} bytes sha256 ${f.sha256}`,
          );
        }
      }
      await rm(dir, { recursive: true, force: true });
      await mkdir(dirname(dir), { recursive: true });
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Retention in the bucket: every checkpoint but the newest `keepLast` and the best in band goes,
   * its manifest first (so a half-deleted checkpoint is never listed), then its files. Files of a
   * step older than the newest checkpoint that has no manifest (an upload or deletion cut short) go too.
   */
  async prune(jobId: string, keepLast: number): Promise<string[]> {
    const { store } = this.o;
    const keys = await store.list(artifactKeys.checkpoints(jobId));
    const metas: CheckpointMeta[] = [];
    for (const key of keys) {
      const step = artifactKeys.stepOfManifest(key);
      if (step === null) continue;
      const raw = await store.getJson(key);
      if (raw !== null) metas.push(parseManifest(raw, key).meta as CheckpointMeta);
    }
    const newest = Math.max(-1, ...metas.map((m) => m.step));
    const listed = new Set(metas.map((m) => m.step));
    const doomed = new Set(checkpointsToPrune(metas, keepLast).map((m) => m.step));
    for (const step of doomed)
      await store.delete(artifactKeys.manifest(artifactKeys.checkpoint(jobId, step)));
    for (const key of keys) {
      const step = artifactKeys.stepOf(key);
      if (step === null) continue;
      if (doomed.has(step) || (!listed.has(step) && step < newest)) await store.delete(key);
    }
    return [...doomed].sort((a, b) => a - b).map((s) => `step-${s}`);
  }

  /** Uploads the model files of the job's last checkpoint under `<job>/model/`, manifest last. */
  async exportModel(saved: SavedCheckpoint): Promise<string> {
    const jobId = saved.meta.jobId;
    const modelPath = modelPathIn(saved.dir);
    const sources = new Map<string, string>();
    const files: ManifestFile[] = [];
    for (const f of await describeFolder(saved.dir, modelPath)) {
      if (f.modelPath === undefined) continue;
      sources.set(f.modelPath, join(saved.dir, f.path));
      files.push({ path: f.modelPath, size: f.size, sha256: f.sha256, modelPath: f.modelPath });
    }
    if (files.length === 0)
      throw new CheckpointError(`checkpoint ${saved.uri} holds no model files to export`);
    const folder = artifactKeys.model(jobId);
    const manifest: Manifest = {
      version: 1,
      kind: 'model',
      jobId,
      step: saved.meta.step,
      createTime: new Date().toISOString(),
      files,
    };
    await this.publish(
      folder,
      manifest,
      (f) => sources.get(f.path)!,
      `model export of step ${saved.meta.step}`,
    );
    return this.o.store.uri(folder);
  }
}

function sameFiles(a: ManifestFile[], b: ManifestFile[]): boolean {
  if (a.length !== b.length) return false;
  const byPath = new Map(b.map((f) => [f.path, f]));
  return a.every((f) => {
    const g = byPath.get(f.path);
    return g !== undefined && g.size === f.size && g.sha256 === f.sha256;
  });
}
