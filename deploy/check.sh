#!/usr/bin/env bash
# Offline checks of deploy/: filled in by the Deploy work (helm lint/template + kubeconform, promtool, hadolint).
set -euo pipefail
echo "deploy checks: none yet"
