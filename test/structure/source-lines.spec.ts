import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countLines, isHandWrittenSource, lineCounts, listSourceFiles } from './source-files.js';

/** Issue 13 [One spec]: every hand-written source file ends under this many lines. */
const MAX_LINES = 350;

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('source file length (issue 13)', () => {
  const lines = lineCounts(root, listSourceFiles(root));

  it('finds the sources of every part of the repository', () => {
    const files = [...lines.keys()];
    for (const part of [
      'libs/rewards/src/',
      'libs/aepo/src/',
      'apps/api/src/',
      'apps/gpu-executor/engine/',
      'test/',
    ])
      expect(
        files.some((f) => f.startsWith(part)),
        part,
      ).toBe(true);
    expect(files.some((f) => f.endsWith('.py'))).toBe(true);
    expect(files.some((f) => f.endsWith('.sh'))).toBe(true);
    expect(files.some((f) => f.startsWith('libs/contracts/src/gen/'))).toBe(false);
  });

  it(`keeps every hand-written source file under ${MAX_LINES} lines`, () => {
    const tooLong = [...lines].filter(([, n]) => n >= MAX_LINES).map(([file, n]) => `${file}: ${n} lines`);
    expect(tooLong, `split these by what they do, one job per module`).toEqual([]);
  });
});

describe('source file listing', () => {
  it('counts lines as an editor numbers them', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('a\n\n')).toBe(2);
  });

  it('leaves out generated stubs and files that are not sources', () => {
    for (const generated of [
      'libs/contracts/src/gen/aepo/v1/job.ts',
      'apps/gpu-executor/engine/aepo_engine/gen/aepo/engine/v1/engine_pb2.py',
      'clients/python/src/aepo/v1/job_pb2_grpc.py',
      'clients/python/src/aepo/v1/job_pb2.pyi',
      'libs/aepo/dist/index.d.ts',
      'package-lock.json',
      'README.md',
    ])
      expect(isHandWrittenSource(generated), generated).toBe(false);
    for (const source of [
      'libs/aepo/src/trainer.ts',
      'apps/gpu-executor/engine/aepo_engine/engine.py',
      'scripts/setup.sh',
      'test/bench/rewards.bench.mjs',
      'eslint.config.js',
    ])
      expect(isHandWrittenSource(source), source).toBe(true);
  });
});
