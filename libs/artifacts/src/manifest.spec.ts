import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactKeys } from './layout.js';
import { ManifestError, describeFolder, modelFilesOf, parseManifest } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'aepo-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('manifests', () => {
  it('describe every file of a folder with size and sha256, and which ones form the model', async () => {
    mkdirSync(join(dir, 'engine'), { recursive: true });
    writeFileSync(join(dir, 'trainer.json'), '{}');
    writeFileSync(join(dir, 'engine', 'model.safetensors'), 'weights');
    const files = await describeFolder(dir, (p) => (p.startsWith('engine/') ? p.slice(7) : undefined));
    expect(files).toEqual([
      { path: 'engine/model.safetensors', size: 7, sha256: sha('weights'), modelPath: 'model.safetensors' },
      { path: 'trainer.json', size: 2, sha256: sha('{}') },
    ]);
    const m = parseManifest(
      { version: 1, kind: 'checkpoint', jobId: 'j', step: 4, createTime: '', files },
      'test',
    );
    expect(modelFilesOf(m).map((f) => f.modelPath)).toEqual(['model.safetensors']);
  });

  it('refuse a manifest that would write outside its folder or lacks a checksum', () => {
    const base = { version: 1, kind: 'model', jobId: 'j', step: 1, createTime: '' };
    const file = { size: 1, sha256: sha('x') };
    for (const path of ['../x', '/etc/passwd', 'a/../../b', 'a/./b']) {
      expect(() => parseManifest({ ...base, files: [{ ...file, path }] }, 'm')).toThrow(ManifestError);
    }
    expect(() => parseManifest({ ...base, files: [{ ...file, path: 'a', modelPath: '../a' }] }, 'm')).toThrow(
      /files\[0\]/,
    );
    expect(() => parseManifest({ ...base, files: [{ path: 'a', size: 1, sha256: 'abc' }] }, 'm')).toThrow(
      ManifestError,
    );
    expect(() => parseManifest({ ...base, version: 2, files: [] }, 'm')).toThrow(/unsupported version 2/);
  });

  it('keys: a step is read back only from a checkpoint folder, the manifest only at its top', () => {
    const folder = artifactKeys.checkpoint('job-1', 12);
    expect(folder).toBe('job-1/checkpoints/step-12/');
    expect(artifactKeys.stepOf(`${folder}engine/model.safetensors`)).toBe(12);
    expect(artifactKeys.stepOfManifest(artifactKeys.manifest(folder))).toBe(12);
    expect(artifactKeys.stepOfManifest(`${folder}engine/manifest.json`)).toBeNull();
    expect(artifactKeys.stepOf('job-1/model/model.safetensors')).toBeNull();
    expect(() => artifactKeys.model('../x')).toThrow(/unusable job id/);
  });
});
