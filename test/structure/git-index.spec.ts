import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { indexPath, parseIndex, trackedFiles } from './git-index.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)));

/** The paths of the fixture indexes, written by git 2 from one small repository. */
const FIXTURE_PATHS = [
  `a/b/c/${'n'.repeat(200)}.ts`,
  'a/b/c/one.ts',
  'a/b/c/two.ts',
  'a/b/c/é ü.ts',
  'a/b/x.sh',
  'a/bb/three.py',
  'top.mjs',
];

describe('git index reader', () => {
  it('reads a version 2 index', () => {
    expect(parseIndex(fixture('index-v2'))).toEqual(FIXTURE_PATHS);
  });

  it('reads a version 3 index with extended flags (a file added with --intent-to-add)', () => {
    expect(parseIndex(fixture('index-v3')).sort()).toEqual([...FIXTURE_PATHS, 'a/b/new.ts'].sort());
  });

  it('reads a version 4 index (paths compressed against the previous one, in bytes)', () => {
    expect(parseIndex(fixture('index-v4')).sort()).toEqual([...FIXTURE_PATHS, 'a/b/new.ts'].sort());
  });

  it('refuses what is not an index', () => {
    expect(() => parseIndex(Buffer.from('PACK\0\0\0\x02\0\0\0\0'))).toThrow(/DIRC/);
    const v5 = Buffer.from(fixture('index-v2'));
    v5.writeUInt32BE(5, 4);
    expect(() => parseIndex(v5)).toThrow(/version 5/);
  });

  const scratch = mkdtempSync(path.join(tmpdir(), 'git-index-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the index of a checkout and of a worktree (.git file naming its gitdir)', () => {
    const checkout = path.join(scratch, 'checkout');
    mkdirSync(path.join(checkout, '.git'), { recursive: true });
    expect(indexPath(checkout)).toBe(path.join(checkout, '.git', 'index'));
    const worktree = path.join(scratch, 'worktree');
    mkdirSync(worktree);
    writeFileSync(path.join(worktree, '.git'), 'gitdir: ../checkout/.git/worktrees/w\n');
    expect(indexPath(worktree)).toBe(path.join(checkout, '.git', 'worktrees', 'w', 'index'));
    expect(() => indexPath(scratch)).toThrow(/not a git checkout/);
  });

  it("lists this repository's tracked files", () => {
    const files = trackedFiles(fileURLToPath(new URL('../..', import.meta.url)));
    expect(files).toContain('package.json');
    expect(files).toContain('libs/aepo/src/index.ts');
    expect(files).not.toContain('node_modules/vitest/package.json');
  });
});
