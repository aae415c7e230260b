#!/usr/bin/env bash
# Installs prometheus and promtool from Debian's `prometheus` package into .cache/tools/bin (once; a
# later run with both present does nothing) and prints that folder. Used by deploy/check.sh (promtool)
# and test/monitoring.e2e-spec.ts (a real Prometheus scraping the API and an executor).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$PWD/.cache/tools/bin
mkdir -p "$BIN"
if [ ! -x "$BIN/prometheus" ] || [ ! -x "$BIN/promtool" ]; then
  printf '[deploy] installing prometheus + promtool (Debian package prometheus)\n' >&2
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  (cd "$dir" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }; })
  dpkg-deb -x "$dir"/prometheus_*.deb "$dir/x"
  # Moved into place last, so an interrupted install is retried rather than half used.
  for tool in promtool prometheus; do
    mv "$dir/x/usr/bin/$tool" "$BIN/$tool.partial.$$"
    mv "$BIN/$tool.partial.$$" "$BIN/$tool"
  done
fi
echo "$BIN"
