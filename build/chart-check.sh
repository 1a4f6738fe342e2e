#!/usr/bin/env bash
# Check the Helm chart charts/otelcol-obtrace:
#   1. helm lint --strict with every example's values;
#   2. the Go tests in charts/otelcol-obtrace/test: render every example and compare with its
#      rendered/ golden manifests as decoded objects, strict decoding, Pod Security ("restricted";
#      the collecting agent "privileged", failing "baseline" for its hostPath volumes only), RBAC,
#      invariants, values schema, and (when OTELCOL_BIN is set) `otelcol-obtrace validate` of
#      every rendered collector config.
#
# usage: build/chart-check.sh            check
#        UPDATE=1 build/chart-check.sh   rewrite examples/*/rendered/ from the current chart
# env:   HELM (default .tools/bin/helm), KUBE_VERSION (default 1.34.0), OTELCOL_BIN (optional)
# Without helm: prints SKIP and exits 0, unless CI=true (then it fails).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/charts/otelcol-obtrace"
export HELM="${HELM:-$ROOT/.tools/bin/helm}"
export KUBE_VERSION="${KUBE_VERSION:-1.34.0}"

if [[ ! -x "$HELM" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "chart-check: FAIL: helm not found at $HELM (make tools); CI=true requires the chart check" >&2
    exit 1
  fi
  echo "chart-check: SKIP: helm not found at $HELM (run 'make tools' or set HELM)"
  exit 0
fi

for values in "$CHART"/examples/*/values.yaml; do
  example="$(basename "$(dirname "$values")")"
  echo "chart-check: helm lint --strict ($example)"
  "$HELM" lint --strict "$CHART" --kube-version "$KUBE_VERSION" --namespace observability -f "$values" >/dev/null \
    || { "$HELM" lint --strict "$CHART" --kube-version "$KUBE_VERSION" --namespace observability -f "$values"; exit 1; }
done

if [[ -z "${OTELCOL_BIN:-}" ]]; then
  echo "chart-check: note: OTELCOL_BIN is not set, rendered configs are not validated with the binary"
fi
cd "$CHART/test"
go vet ./...
go test -count=1 ./...
