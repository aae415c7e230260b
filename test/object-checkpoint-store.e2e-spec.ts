/**
 * ObjectCheckpointStore against a real SeaweedFS, without an engine (the engine part of a checkpoint
 * is a few files written by the test): manifests written last, a read on another "pod" downloads and
 * verifies every file, a corrupted object is named, retention deletes manifests first, and the model
 * export holds only the model's files.
 */
import type { TrainerState } from '@aepo/aepo';
import { MIN_PART_BYTES, type ObjectStore, artifactKeys, parseManifest, sha256File } from '@aepo/artifacts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointStore,
  type CheckpointMeta,
} from '../apps/gpu-executor/src/checkpoint/checkpoint.store.js';
import { ObjectCheckpointStore } from '../apps/gpu-executor/src/checkpoint/object-checkpoint.store.js';
import { INSTALL_TIMEOUT_MS, S3TestServer } from './support/seaweedfs.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aepo-object-store-'));
const JOB = 'job-object-store';
let s3: S3TestServer;
let bucket: ObjectStore;
const log = pino({ level: 'silent' });

function pod(name: string): ObjectCheckpointStore {
  return new ObjectCheckpointStore({
    store: s3.store('unit'),
    scratch: new CheckpointStore(path.join(dir, name)),
    retry: { initialMs: 50, maxMs: 200, giveUpAfterMs: 2_000 },
    log,
  });
}

const meta = (step: number, inBand: boolean, rewardMean: number): CheckpointMeta => ({
  jobId: JOB,
  step,
  attempt: 1,
  targetRevision: 0,
  entropy: 0.3,
  inBand,
  rewardMean,
});

/** What the engine writes: an HF model folder plus its training state. */
const engineWrites = (step: number) => async (engineDir: string) => {
  mkdirSync(engineDir, { recursive: true });
  writeFileSync(path.join(engineDir, 'model.safetensors'), `weights of step ${step}`);
  writeFileSync(path.join(engineDir, 'config.json'), '{"model_type":"qwen2"}');
  writeFileSync(path.join(engineDir, 'engine_state.pt'), `optimizer of step ${step}`);
  writeFileSync(path.join(engineDir, 'engine.json'), '{}');
};

const trainer = (step: number) => ({ step }) as unknown as TrainerState;

beforeAll(async () => {
  s3 = await S3TestServer.start(path.join(dir, 's3'));
  bucket = s3.store('unit');
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  bucket?.close();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ObjectCheckpointStore with SeaweedFS', () => {
  it('saves with a manifest, restores on another pod with verified files, names a corrupted one', async () => {
    const a = pod('pod-a');
    const saved = await a.save(meta(2, true, 0.9), trainer(2), engineWrites(2));
    expect(saved.uri).toBe(`s3://${s3.bucket}/unit/${artifactKeys.checkpoint(JOB, 2)}`);
    const m = parseManifest(
      await bucket.getJson(artifactKeys.manifest(artifactKeys.checkpoint(JOB, 2))),
      'm',
    );
    expect(m.files.map((f) => [f.path, f.modelPath ?? null])).toEqual([
      ['engine/config.json', 'config.json'],
      ['engine/engine.json', null],
      ['engine/engine_state.pt', null],
      ['engine/model.safetensors', 'model.safetensors'],
      ['trainer.json', null],
    ]);

    const restored = await pod('pod-b').read(saved.uri);
    expect(restored.dir.startsWith(path.join(dir, 'pod-b'))).toBe(true);
    expect(readFileSync(path.join(restored.engineDir, 'model.safetensors'), 'utf8')).toBe(
      'weights of step 2',
    );
    expect(restored.file.meta.step).toBe(2);

    const junk = path.join(dir, 'junk');
    writeFileSync(junk, 'tampered');
    await bucket.putFile(`${artifactKeys.checkpoint(JOB, 2)}engine/engine_state.pt`, junk);
    await expect(pod('pod-c').read(saved.uri)).rejects.toThrow(
      /file engine\/engine_state\.pt of checkpoint .* does not match its manifest/,
    );
    await expect(
      pod('pod-c').read(`s3://${s3.bucket}/unit/${artifactKeys.checkpoint(JOB, 99)}`),
    ).rejects.toThrow(/has no manifest/);
  });

  it('retention keeps the newest and the best in band, deleting the others completely', async () => {
    const a = pod('pod-a');
    await a.save(meta(4, false, 0.1), trainer(4), engineWrites(4));
    await a.save(meta(6, false, 0.2), trainer(6), engineWrites(6));
    // An upload cut short before its manifest (step 5): cleaned up as older than the newest checkpoint.
    const partial = path.join(dir, 'partial');
    writeFileSync(partial, '{}');
    await bucket.putFile(`${artifactKeys.checkpoint(JOB, 5)}trainer.json`, partial);
    expect(await a.prune(JOB, 1)).toEqual(['step-4']);
    const steps = new Set(
      (await bucket.list(artifactKeys.checkpoints(JOB))).map((k) => artifactKeys.stepOf(k)),
    );
    expect([...steps].sort()).toEqual([2, 6]);
  });

  it('exports only the model files of the last checkpoint, with their own manifest', async () => {
    const a = pod('pod-a');
    const saved = await a.save(meta(8, false, 0.3), trainer(8), engineWrites(8));
    expect(await a.exportModel(saved)).toBe(`s3://${s3.bucket}/unit/${artifactKeys.model(JOB)}`);
    const m = parseManifest(await bucket.getJson(artifactKeys.manifest(artifactKeys.model(JOB))), 'model');
    expect(m.kind).toBe('model');
    expect(m.files.map((f) => f.path)).toEqual(['config.json', 'model.safetensors']);
    expect((await bucket.list(artifactKeys.model(JOB))).sort()).toEqual(
      ['config.json', 'manifest.json', 'model.safetensors'].map((n) => artifactKeys.model(JOB) + n),
    );
  });

  it("exports a LoRA job's merged model (engine/merged), not its adapter", async () => {
    const a = pod('pod-lora');
    const job = 'job-lora';
    const saved = await a.save({ ...meta(4, false, 0.3), jobId: job }, trainer(4), async (engineDir) => {
      mkdirSync(path.join(engineDir, 'merged'), { recursive: true });
      writeFileSync(path.join(engineDir, 'adapter_model.safetensors'), 'adapter');
      writeFileSync(path.join(engineDir, 'adapter_config.json'), '{}');
      writeFileSync(path.join(engineDir, 'engine_state.pt'), 'optimizer');
      writeFileSync(path.join(engineDir, 'merged', 'model.safetensors'), 'merged weights');
      writeFileSync(path.join(engineDir, 'merged', 'config.json'), '{}');
    });
    await a.exportModel(saved);
    const m = parseManifest(await bucket.getJson(artifactKeys.manifest(artifactKeys.model(job))), 'model');
    expect(m.files.map((f) => [f.path, f.size])).toEqual([
      ['config.json', 2],
      ['model.safetensors', 14],
    ]);
  });

  it('uploads a file larger than a part in parts (multipart) and reads it back intact', async () => {
    const store = new ObjectCheckpointStore({
      store: s3.store('unit', MIN_PART_BYTES),
      scratch: new CheckpointStore(path.join(dir, 'pod-big')),
      retry: { initialMs: 50, maxMs: 200, giveUpAfterMs: 2_000 },
      log,
    });
    const job = 'job-big';
    const big = Buffer.alloc(MIN_PART_BYTES * 2 + 12345);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    const saved = await store.save({ ...meta(2, false, 0), jobId: job }, trainer(2), async (engineDir) => {
      mkdirSync(engineDir, { recursive: true });
      writeFileSync(path.join(engineDir, 'model.safetensors'), big);
    });
    const restored = await pod('pod-big-reader').read(saved.uri);
    const weights = path.join(restored.engineDir, 'model.safetensors');
    expect(await sha256File(weights)).toBe(
      await sha256File(path.join(saved.dir, 'engine', 'model.safetensors')),
    );
    expect(readFileSync(weights).length).toBe(big.length);
  });
});
