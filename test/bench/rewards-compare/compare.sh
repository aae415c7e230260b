#!/usr/bin/env bash
# Side-by-side benchmark of @aepo/rewards against Hugging Face's Math-Verify on the rewards corpus.
# Math-Verify lives in a bench-only uv project (this folder, with its own uv.lock); the engine's
# environment is untouched and npm test never runs this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/scripts/uv-path.sh"
command -v uv >/dev/null || { echo "uv is required (bash scripts/setup.sh installs it)" >&2; exit 1; }
(cd "$root" && npx tsc -b libs/rewards)
(cd "$here" && uv sync --frozen --quiet)
node "$here/compare.mjs"
