/**
 * A manifest lists every file of a checkpoint or exported model with its size and sha256. It is
 * uploaded after all the files, so its presence is what makes the artifact exist; readers verify each
 * file against it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface ManifestFile {
  /** Path inside the artifact, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
  /** Path inside the Hugging Face model folder when the file belongs to the model (not to the optimizer state). */
  modelPath?: string;
}

export interface Manifest {
  version: 1;
  kind: 'checkpoint' | 'model';
  jobId: string;
  /** Step the weights are from. */
  step: number;
  createTime: string;
  files: ManifestFile[];
  /** The writer's own description (the executor's checkpoint meta). */
  meta?: unknown;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir` (recursively, sorted), hashed; `modelPath` maps a file into the model folder. */
export async function describeFolder(
  dir: string,
  modelPath: (path: string) => string | undefined = () => undefined,
): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const abs of await walk(dir)) {
    const path = relative(dir, abs).split(sep).join('/');
    const mp = modelPath(path);
    files.push({
      path,
      size: (await stat(abs)).size,
      sha256: await sha256File(abs),
      ...(mp !== undefined ? { modelPath: mp } : {}),
    });
  }
  return files;
}

/** Code-point order: the same on every machine, whatever its locale. */
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort(byName)) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const SAFE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\\\0]+$/;

/** Checks a manifest read back from the store (a reader must never write outside its folder). */
export function parseManifest(value: unknown, where: string): Manifest {
  const fail = (why: string): never => {
    throw new ManifestError(`manifest ${where} is unusable: ${why}`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const m = value as Partial<Manifest>;
  if (m.version !== 1) fail(`unsupported version ${String(m.version)}`);
  if (m.kind !== 'checkpoint' && m.kind !== 'model') fail(`unknown kind ${String(m.kind)}`);
  if (typeof m.jobId !== 'string' || !Number.isSafeInteger(m.step)) fail('no job id or step');
  if (!Array.isArray(m.files)) fail('no file list');
  for (const [i, f] of m.files!.entries()) {
    const ok =
      typeof f?.path === 'string' &&
      SAFE_PATH.test(f.path) &&
      Number.isSafeInteger(f.size) &&
      f.size >= 0 &&
      typeof f.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(f.sha256) &&
      (f.modelPath === undefined || (typeof f.modelPath === 'string' && SAFE_PATH.test(f.modelPath)));
    if (!ok) fail(`files[${i}] needs a relative path, a size and a sha256`);
  }
  return m as Manifest;
}

/** The files of the model inside an artifact, named by their path in the model folder. */
export function modelFilesOf(m: Manifest): (ManifestFile & { modelPath: string })[] {
  return m.files.filter((f): f is ManifestFile & { modelPath: string } => f.modelPath !== undefined);
}
