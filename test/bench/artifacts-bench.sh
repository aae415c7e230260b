#!/usr/bin/env bash
# bench:artifacts - a step's time with checkpoints in an object store (SeaweedFS) against the local
# checkpoint folder, at the demo's batch (32 prompts x 8 samples) on builtin:tiny-arith; the checkpoint
# save/upload time separately (real API, SeaweedFS, executor and engine processes).
#
#   npm run bench:artifacts                   # 2 rounds of a 20-step job per mode, a checkpoint every 5 steps
#   ROUNDS=1 STEPS=12 CHECKPOINT_EVERY=4 npm run bench:artifacts
#
# Results: printed, and written to $BENCH_OUT (default: $TMPDIR/aepo-artifacts-bench.json, every step).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx vitest run --config test/bench/executor-bench.vitest.config.ts test/bench/artifacts-bench.run.ts
