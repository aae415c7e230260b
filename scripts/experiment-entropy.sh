#!/usr/bin/env bash
# The entropy experiment: GRPO, Entropy-Reg, Entropy-Adv and AEPO at several targets on
# builtin:tiny-arith (CPU), from the same initial weights; writes docs/results/entropy.{svg,png,md,json}.
# Environment: SEEDS (default "1"), STEPS (default 300), ENGINES (parallel engines, default 2),
# OUT_DIR (default docs/results).
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx vite-node --config vitest.config.ts test/experiments/entropy-experiment.ts
