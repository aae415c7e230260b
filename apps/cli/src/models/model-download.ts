/**
 * Downloads a model's files from presigned URLs into a folder, checking each file's size and sha256
 * against the API's answer (the manifest the executor wrote). A file is written under a temporary
 * name and renamed only once it matches, so a failed pull never leaves a wrong file under its name.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../output/cli-error.js';

export interface RemoteFile {
  path: string;
  sizeBytes: number;
  sha256: string;
  url: string;
}

export interface PulledFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** Exit code of a pull whose download does not match the manifest (or failed). */
export const PULL_FAILED = 1;

export async function pullFiles(files: RemoteFile[], dir: string): Promise<PulledFile[]> {
  const pulled: PulledFile[] = [];
  for (const f of files) pulled.push(await pullOne(f, dir));
  return pulled;
}

async function pullOne(f: RemoteFile, dir: string): Promise<PulledFile> {
  const rel = normalize(f.path);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`))
    throw new CliError(`refusing file ${JSON.stringify(f.path)}: it would land outside ${dir}`, PULL_FAILED);
  const dest = join(dir, rel);
  await mkdir(dirname(dest), { recursive: true });
  let res: Response;
  try {
    res = await fetch(f.url);
  } catch (e) {
    throw new CliError(`download of ${f.path} failed: ${(e as Error).message}`, PULL_FAILED);
  }
  if (!res.ok || !res.body)
    throw new CliError(`download of ${f.path} failed: HTTP ${res.status} ${res.statusText}`, PULL_FAILED);
  const hash = createHash('sha256');
  let size = 0;
  const part = `${dest}.part`;
  try {
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(part),
    );
    const sha256 = hash.digest('hex');
    if (size !== f.sizeBytes || sha256 !== f.sha256) {
      throw new CliError(
        `${f.path}: downloaded ${size} bytes with sha256 ${sha256}, but the manifest says ${f.sizeBytes} bytes with sha256 ${f.sha256}; the file was not kept`,
        PULL_FAILED,
      );
    }
    await rename(part, dest);
    return { path: f.path, sizeBytes: size, sha256 };
  } finally {
    await rm(part, { force: true });
  }
}
