#!/usr/bin/env bash
# Installs grpcurl once into .cache/tools/bin (gitignored) with `go install` from the Go module proxy,
# as deploy/check.sh installs helm; prints the binary's path. A second run finds it and costs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

GRPCURL_VERSION=v1.9.3
BIN=$PWD/.cache/tools/bin
TARGET=$BIN/grpcurl-$GRPCURL_VERSION
if [ ! -x "$TARGET" ]; then
  mkdir -p "$BIN"
  # Module and build caches outside the repository (eslint would find the modules' .js files), removed after.
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/aepo-grpcurl-go.XXXXXX")
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  printf '[grpcurl] installing grpcurl %s (go install)\n' "$GRPCURL_VERSION" >&2
  GOBIN="$tmp/bin" GOMODCACHE="$tmp/mod" GOCACHE="$tmp/build" GOFLAGS="-buildvcs=false -trimpath" \
    CGO_ENABLED=0 go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" 2>"$tmp/log" ||
    { cat "$tmp/log" >&2; exit 1; }
  mv "$tmp/bin/grpcurl" "$TARGET"
fi
echo "$TARGET"
