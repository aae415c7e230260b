#!/usr/bin/env bash
# Fails when proto/ breaks the contract of the latest release recorded by scripts/proto-release.sh
# (the newest proto/releases/v*.binpb by version; rules: proto/buf.yaml, breaking FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
latest=$(ls proto/releases/v*.binpb 2>/dev/null | sort -V | tail -n 1)
if [ -z "$latest" ]; then
  echo "no release baseline in proto/releases: run scripts/proto-release.sh <version>" >&2
  exit 1
fi
node_modules/.bin/buf breaking proto --against "$latest"
echo "protos compatible with $(basename "$latest" .binpb)"
