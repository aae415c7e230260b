import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Unit-sized tests that start small real processes (a stand-in uv, a stand-in postmaster, the built
// CLI): outside `unit`, so that `npm run test:unit` needs no build and starts no process.
const processSpecs = [
  'apps/gpu-executor/src/engine/engine-process.spec.ts',
  'apps/api/src/database/stale-postmaster.spec.ts',
  'apps/cli/src/commands/grade.command.spec.ts',
];

// SWC instead of esbuild: NestJS and TypeORM need emitDecoratorMetadata, which esbuild cannot emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      // The defaults table alone (libs/aepo imports it without the gRPC stubs); before '@aepo/contracts'.
      '@aepo/contracts/spec-defaults': src('./libs/contracts/src/spec-defaults.ts'),
      '@aepo/contracts': src('./libs/contracts/src/index.ts'),
      '@aepo/rewards': src('./libs/rewards/src/index.ts'),
      '@aepo/aepo': src('./libs/aepo/src/index.ts'),
      '@aepo/artifacts': src('./libs/artifacts/src/index.ts'),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{libs,apps}/*/src/**/*.spec.ts', 'test/**/*.spec.ts'],
          exclude: [...configDefaults.exclude, ...processSpecs],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'process',
          include: processSpecs,
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{libs,apps}/*/src/**/*.integration-spec.ts'],
          testTimeout: 600_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
