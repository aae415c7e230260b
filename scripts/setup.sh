#!/usr/bin/env bash
# Idempotent set-up for a fresh clone: Node packages, generated contracts, the TypeScript build and the
# engine's Python environment. Every top-level command (test, demo) runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Node packages: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Python engine environment: uv keeps a global cache, so a second sync downloads nothing.
if ! command -v uv >/dev/null 2>&1; then
  log "installing uv"
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
log "syncing the engine's Python environment (uv sync --frozen)"
(cd apps/gpu-executor/engine && uv sync --frozen --quiet)

log "building TypeScript"
npx tsc -b tsconfig.build.json
