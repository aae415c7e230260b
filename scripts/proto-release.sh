#!/usr/bin/env bash
# Records the public contract of a release: a buf image of proto/ (every .proto with its imports) at
# proto/releases/v<version>.binpb. From then on scripts/proto-breaking.sh (run by the test suite)
# refuses any proto change that would break clients of the latest recorded release (buf.yaml:
# breaking FILE). Run it once per release, after the release's last proto change, and commit the image.
# Usage: bash scripts/proto-release.sh 0.2.0
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/proto-release.sh <version, e.g. 0.2.0>}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "version must look like 1.2.3, got '$version'" >&2
  exit 2
fi
mkdir -p proto/releases
node_modules/.bin/buf build proto -o "proto/releases/v$version.binpb"
echo "wrote proto/releases/v$version.binpb"
