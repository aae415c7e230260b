#!/usr/bin/env bash
# The entropy experiment: GRPO, Entropy-Reg, Entropy-Adv and AEPO at several targets on
# builtin:tiny-arith (CPU), from the same initial weights; writes docs/results/entropy.{svg,png,md,json}.
# Environment: SEEDS (default "1"), STEPS (default 600), ENGINES (parallel engines, default 2),
# CONTROLLERS (AEPO controllers, default "dual bang-bang"), TARGETS (fractions of the initial entropy,
# default "0.3 0.55 0.8 1.05 1.3"), OUT_DIR (default docs/results), TESTBED (tiny-arith, the default,
# or tiny-cot: builtin:tiny-cot, outputs entropy-tiny-cot.*).
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx vite-node --config vitest.config.ts test/experiments/entropy-experiment.ts
