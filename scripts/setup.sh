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
# uv is taken from PATH, else from where this script installs it (pip --user: ~/.local/bin or Python's
# user base), which a fresh shell often lacks on PATH. The executor looks in the same folders, so
# `npm run demo` and `aepo serve` find it from any shell.
source scripts/uv-path.sh
if ! command -v uv >/dev/null 2>&1; then
  log "installing uv (pip install --user)"
  # Debian's Python refuses plain --user installs (PEP 668); a user-level uv is what it allows with the flag.
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --user --break-system-packages uv ||
    python3 -m pip install --quiet uv
  source scripts/uv-path.sh
  log "uv installed: $(command -v uv) (add $(dirname "$(command -v uv)") to PATH to call uv yourself)"
fi
log "syncing the engine's Python environment (uv sync --frozen)"
(cd apps/gpu-executor/engine && uv sync --frozen --quiet)
log "syncing the Python client's environment (uv sync --frozen)"
(cd clients/python && uv sync --frozen --quiet)

log "building TypeScript"
npx tsc -b tsconfig.build.json
