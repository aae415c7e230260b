#!/usr/bin/env bash
# Installs SeaweedFS's `weed` (the S3-compatible server the artifact tests run) once into
# .cache/tools/bin (gitignored) from the Go module proxy; prints the binary's path. A second run finds it
# and costs nothing; a fresh clone on a machine that built it before only links (Go's build cache).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/go-tools.sh

SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
BIN=$PWD/.cache/tools/bin
install_go_module_tool weed github.com/seaweedfs/seaweedfs "$SEAWEEDFS_VERSION" weed "$BIN"
echo "$BIN/weed-$SEAWEEDFS_VERSION"
