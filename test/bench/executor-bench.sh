#!/usr/bin/env bash
# bench:executor - the executor's overhead per step on builtin:tiny-arith (wall time of a step minus the
# engine's own compute time), AEPO's step time over GRPO's in the same run, and the resident memory of
# the executor and its engine through a long run (real API, executor and engine processes).
#
#   npm run bench:executor          # 3 rounds of 25-step GRPO and AEPO jobs alternated, then a 500-step AEPO run
#   ROUNDS=2 RATIO_STEPS=20 LONG_STEPS=200 npm run bench:executor
#
# Results: printed, and written to $BENCH_OUT (default: $TMPDIR/aepo-executor-bench.json, with every RSS sample).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx vitest run --config test/bench/executor-bench.vitest.config.ts test/bench/executor-bench.run.ts
