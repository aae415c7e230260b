/**
 * The paths git tracks, read from the repository's index file in-process (the unit tier starts no
 * process, so no `git ls-files`). Index versions 2, 3 and 4; SHA-1 or SHA-256 object names.
 * Format: https://git-scm.com/docs/index-format
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Bytes of an entry before its object name: ctime, mtime, dev, ino, mode, uid, gid, size. */
const STAT_BYTES = 40;
const EXTENDED_FLAG = 0x4000;
const NAME_LENGTH_MASK = 0x0fff;

/** The index file of the checkout at `root`: `.git/index`, or a worktree's `<gitdir>/index`. */
export function indexPath(root: string): string {
  const dotGit = path.join(root, '.git');
  if (!existsSync(dotGit)) throw new Error(`${root} is not a git checkout (no .git)`);
  if (statSync(dotGit).isDirectory()) return path.join(dotGit, 'index');
  const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
  if (!gitdir) throw new Error(`${dotGit} names no gitdir`);
  return path.join(path.resolve(root, gitdir), 'index');
}

/** git's offset varint (index v4 path compression). */
function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let byte = buf[at++]!;
  let value = byte & 0x7f;
  while (byte & 0x80) {
    byte = buf[at++]!;
    value = ((value + 1) << 7) | (byte & 0x7f);
  }
  return { value, next: at };
}

/**
 * The paths of an index file's entries, once each (a conflicted path has several stages).
 * @param hashBytes 20 for SHA-1 repositories, 32 for SHA-256
 */
export function parseIndex(buf: Buffer, hashBytes = 20): string[] {
  if (buf.toString('latin1', 0, 4) !== 'DIRC') throw new Error('not a git index (no DIRC signature)');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new Error(`unsupported git index version ${version}`);
  const count = buf.readUInt32BE(8);
  const paths = new Set<string>();
  let at = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = at;
    const flags = buf.readUInt16BE(start + STAT_BYTES + hashBytes);
    at = start + STAT_BYTES + hashBytes + 2 + (version >= 3 && flags & EXTENDED_FLAG ? 2 : 0);
    let name: Buffer;
    if (version === 4) {
      // the previous path less its last `strip` bytes, then this entry's NUL-terminated suffix
      const { value: strip, next } = readVarint(buf, at);
      const end = buf.indexOf(0, next);
      name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(next, end)]);
      at = end + 1;
    } else {
      const length = flags & NAME_LENGTH_MASK;
      const end = length < NAME_LENGTH_MASK ? at + length : buf.indexOf(0, at);
      name = buf.subarray(at, end);
      // 1 to 8 NULs pad the entry to a multiple of 8 bytes
      at = start + Math.floor((end - start + 8) / 8) * 8;
    }
    paths.add(name.toString('utf8'));
    previous = name;
  }
  return [...paths];
}

/** The paths git tracks in the checkout at `root` (as staged: a new file counts once added). */
export function trackedFiles(root: string): string[] {
  return parseIndex(readFileSync(indexPath(root)));
}
