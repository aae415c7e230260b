// vitest config of bench:executor and bench:artifacts (benches are not part of `npm test`).
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@aepo/contracts': src('../../libs/contracts/src/index.ts'),
      '@aepo/rewards': src('../../libs/rewards/src/index.ts'),
      '@aepo/aepo': src('../../libs/aepo/src/index.ts'),
      '@aepo/artifacts': src('../../libs/artifacts/src/index.ts'),
    },
  },
  test: {
    root: src('../..'),
    include: ['test/bench/*-bench.run.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
