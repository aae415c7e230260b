#!/usr/bin/env bash
# Regenerates every stub from proto/: TypeScript (buf + ts-proto) into libs/contracts/src/gen and
# Python (grpc_tools) into apps/gpu-executor/engine/aepo_engine/gen. With --check, generates into a
# scratch folder and fails if the committed stubs differ (CI's drift check). Never edit the output.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv-path.sh
root=$(pwd)
ts_out=libs/contracts/src/gen
py_out=apps/gpu-executor/engine/aepo_engine/gen

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

(cd proto && "$root/node_modules/.bin/buf" lint)
(cd proto && "$root/node_modules/.bin/buf" generate --template buf.gen.yaml --output "$scratch")
mkdir -p "$scratch/ts" "$scratch/py"
if compgen -G "proto/aepo/engine/v1/*.proto" >/dev/null; then
  (cd apps/gpu-executor/engine && uv run --frozen python -m grpc_tools.protoc -I "$root/proto" \
    --python_out="$scratch/py" --pyi_out="$scratch/py" --grpc_python_out="$scratch/py" \
    "$root"/proto/aepo/engine/v1/*.proto)
  find "$scratch/py" -type d -exec touch {}/__init__.py \;
fi
npx prettier --log-level=silent --no-config --print-width 110 --single-quote --write "$scratch/ts" >/dev/null 2>&1 || true

if [ "${1:-}" = "--check" ]; then
  status=0
  diff -r "$scratch/ts" "$ts_out" >/dev/null 2>&1 || status=1
  diff -r -x __pycache__ "$scratch/py" "$py_out" >/dev/null 2>&1 || status=1
  if [ $status -ne 0 ]; then
    echo "generated stubs are out of date: run 'npm run gen' and commit the result" >&2
    diff -r "$scratch/ts" "$ts_out" | head -20 >&2 || true
    diff -r -x __pycache__ "$scratch/py" "$py_out" | head -20 >&2 || true
    exit 1
  fi
  echo "generated stubs are up to date"
else
  rm -rf "$ts_out" "$py_out"
  mkdir -p "$(dirname "$ts_out")" "$(dirname "$py_out")"
  cp -r "$scratch/ts" "$ts_out"
  cp -r "$scratch/py" "$py_out"
fi
