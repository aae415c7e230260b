#!/usr/bin/env bash
# Engine benchmark: sample and train tokens/s of a random-weight Qwen2 model built from a config in
# code (offline). Extra flags go to aepo_engine.bench, e.g.
#   test/bench/engine-bench.sh --config small --device cpu --dtype float32
#   test/bench/engine-bench.sh --config qwen2.5-0.5b --full-vocab --device cuda --dtype bfloat16 \
#     --prompts 64 --n 8 --max-new-tokens 512 --micro-batch 16
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/uv-path.sh
exec uv run --frozen --project apps/gpu-executor/engine python -m aepo_engine.bench "$@"
