#!/usr/bin/env bash
# The whole test suite: set-up, contract drift check, lint, the engine's and the Python client's pytest, TypeScript tests
# (unit, integration against real Postgres/engine, end-to-end across processes) and the deploy checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv-path.sh
bash scripts/setup.sh
# SeaweedFS (the S3 server of the artifact tests) is a long Go build on a machine that never built it:
# started now, it overlaps the lint and pytest stages; the tests that need it wait on its lock.
mkdir -p .cache
bash test/tools/install-seaweedfs.sh >.cache/seaweedfs-install.log 2>&1 &
bash scripts/gen-proto.sh --check
# The public contract stays compatible with the last release (proto/releases, scripts/proto-release.sh).
bash scripts/proto-breaking.sh
npx eslint . --max-warnings=0
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
(cd apps/gpu-executor/engine && uv run --frozen ruff check . && uv run --frozen ruff format --check .)
(cd apps/gpu-executor/engine && uv run --frozen pytest -q)
(cd clients/python && uv run --frozen ruff check . && uv run --frozen ruff format --check .)
# The Python client against the real service (`aepo serve` from the built CLI).
(cd clients/python && uv run --frozen pytest -q)
bash deploy/check.sh
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line for CI's summary reader (vitest's own summary is not one it reads).
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$report" || true
rm -f "$report"
exit $status
