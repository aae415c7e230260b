#!/usr/bin/env bash
# Installs grpcurl once into .cache/tools/bin (gitignored) with `go install` from the Go module proxy,
# as deploy/check.sh installs helm; prints the binary's path. A second run finds it and costs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/go-tools.sh

GRPCURL_VERSION=v1.9.3
BIN=$PWD/.cache/tools/bin
install_go_tool grpcurl "$GRPCURL_VERSION" github.com/fullstorydev/grpcurl/cmd/grpcurl "$BIN"
echo "$BIN/grpcurl-$GRPCURL_VERSION"
