#!/usr/bin/env bash
# The whole test suite: set-up, contract drift check, lint, the engine's pytest, TypeScript tests
# (unit, integration against real Postgres/engine, end-to-end across processes) and the deploy checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/gen-proto.sh --check
npx eslint . --max-warnings=0
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
(cd apps/gpu-executor/engine && uv run --frozen ruff check . && uv run --frozen ruff format --check .)
(cd apps/gpu-executor/engine && uv run --frozen pytest -q)
bash deploy/check.sh
npx vitest run "$@"
