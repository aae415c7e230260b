import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UvNotFoundError, findUv } from './uv-binary.js';

const root = mkdtempSync(join(tmpdir(), 'uv-binary-'));

function fakeUv(dir: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'uv');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, mode);
  return file;
}

describe('findUv', () => {
  const home = join(root, 'home');
  const onPath = join(root, 'on-path');
  const userBase = join(root, 'user-base');
  const inHome = fakeUv(join(home, '.local/bin'));
  const inUserBase = fakeUv(join(userBase, 'bin'));
  const onPathUv = fakeUv(onPath);
  fakeUv(join(root, 'not-executable'), 0o644);

  it('takes the first uv on PATH', () => {
    expect(findUv({ pathEnv: `/nonexistent:${onPath}`, home, userBase: () => userBase })).toBe(onPathUv);
  });

  it('finds the uv setup installed in ~/.local/bin when PATH lacks it', () => {
    expect(findUv({ pathEnv: `${root}/not-executable:/usr/bin:/bin`, home, userBase: () => userBase })).toBe(
      inHome,
    );
  });

  it("falls back to Python's user base", () => {
    expect(findUv({ pathEnv: '/usr/bin', home: join(root, 'empty-home'), userBase: () => userBase })).toBe(
      inUserBase,
    );
  });

  it('names every folder it looked in when there is none', () => {
    const err = (() => {
      try {
        return findUv({ pathEnv: '', home: join(root, 'empty-home'), userBase: () => join(root, 'nothing') });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UvNotFoundError);
    expect((err as Error).message).toBe(
      `uv not found (looked in PATH, ${root}/empty-home/.local/bin, ${root}/nothing/bin): run scripts/setup.sh, or set AEPO_EXECUTOR_UV to the uv executable`,
    );
  });
});
