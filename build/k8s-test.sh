#!/usr/bin/env bash
# Test the Helm chart charts/otelcol-obtrace against a real Kubernetes API server on 127.0.0.1.
#
# The cluster is built here, nothing prebuilt is downloaded:
#   - kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the Go module
#     k8s.io/kubernetes (wrapper module build/k8s/tools, which pins the version and replaces every
#     k8s.io staging module with its published v0.<minor>.<patch>), built with the version ldflags;
#   - etcd from the same module graph (build/k8s/tools/etcd: etcd's own etcdmain at the
#     go.etcd.io/etcd/server/v3 version Kubernetes pins and tests against). Debian bookworm's
#     etcd-server 3.4.23 was tried and is too old: the API server enables its RequestWatchProgress
#     storage feature only from etcd 3.4.31/3.5.13, so the clients' streaming list-watches fail and
#     every informer (kwok, controller-manager) falls tens of seconds behind;
#   - kwok (sigs.k8s.io/kwok, `go install` at a pinned version) instead of a kubelet: it makes the fake node
#     build/k8s/kwok-node.yaml Ready and the pods bound to it Running/Ready, with kwok's own default
#     node and pod stages read from its module (kustomize/stage/...).
# Binaries are cached in .tools/k8s/ (git-ignored) and rebuilt only when the pinned versions change.
#
# On that cluster (namespace "observability" with Pod Security "restricted" enforced and warned,
# "observability-agent" with "privileged" for the collecting agent's hostPath volumes, the fake node
# build/k8s/kwok-node.yaml, the ServiceMonitor CRD) it runs the Go test TestChartOnAPIServer of
# charts/otelcol-obtrace/test (cluster_*_test.go, k8sattributes_test.go; built with `go test -c`
# while the cluster starts): dry runs of every rendered example and of the collecting agent in the
# restricted namespace, helm install and upgrade of the gateway, install of both agents,
# k8s_attributes with the real collector and the chart's ServiceAccount, helm uninstall leaving
# nothing. It gets the admin kubeconfig in K8S_TEST_KUBECONFIG and two free loopback ports in
# K8S_TEST_PORTS.
# Every process it starts runs in its own process group and is stopped on exit; every wait is bounded.
#
# usage: build/k8s-test.sh
# env:   HELM (default .tools/bin/helm)
#        OTELCOL_BIN (default .build/otelcol-obtrace) for the k8s_attributes step; without the
#                   binary that step is skipped (CI=true: fails)
#        K8S_TEST_KEEP=1   keep the work directory (logs, kubeconfig) after the run
#        CI=true           a missing prerequisite fails the run instead of printing SKIP
# Ends with "k8s-test: PASS" or "k8s-test: FAIL".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_SRC="$ROOT/build/k8s"
CHART="$ROOT/charts/otelcol-obtrace"
TOOLS="$ROOT/.tools/k8s"
BIN="$TOOLS/bin"
HELM="${HELM:-$ROOT/.tools/bin/helm}"
KWOK_VERSION="v0.8.0"
K8S_VERSION="$(awk '$1 == "require" { $1 = ""; $0 = $0 } $1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$K8S_SRC/tools/go.mod")"
NS=observability
# the collecting agent's namespace: hostPath volumes need Pod Security "privileged"
NS_AGENT=observability-agent
OTELCOL_BIN="${OTELCOL_BIN:-$ROOT/.build/otelcol-obtrace}"
T0=$SECONDS

log() { echo "k8s-test: $*"; }

# skip_or_fail MESSAGE: a prerequisite cannot be had.
skip_or_fail() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "k8s-test: FAIL: $1 (CI=true requires the Kubernetes test)" >&2
    exit 1
  fi
  echo "k8s-test: SKIP: $1"
  exit 0
}

command -v go >/dev/null || skip_or_fail "go not found"
command -v openssl >/dev/null || skip_or_fail "openssl not found"
command -v setsid >/dev/null || skip_or_fail "setsid not found"
[[ -x "$HELM" ]] || skip_or_fail "helm not found at $HELM (make tools)"
[[ -n "$K8S_VERSION" ]] || { echo "k8s-test: FAIL: no k8s.io/kubernetes version in $K8S_SRC/tools/go.mod" >&2; exit 1; }

mkdir -p "$BIN"
# One build at a time on this machine (concurrent runs share .tools/k8s).
exec 9>"$TOOLS/.lock"
flock -w 1800 9 || skip_or_fail "timed out waiting for the lock $TOOLS/.lock"

# --- build or reuse the binaries ---------------------------------------------------------------

# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd: one go build in the
# wrapper module, stamped with the hash of the module's files.
k8s_stamp="k8s.io/kubernetes $K8S_VERSION $(cat "$K8S_SRC/tools/go.mod" "$K8S_SRC/tools/go.sum" "$K8S_SRC/tools/etcd/main.go" | sha256sum | cut -c1-16)"
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)
need_build=0
for b in "${k8s_bins[@]}"; do [[ -x "$BIN/$b" ]] || need_build=1; done
[[ "$(cat "$BIN/.stamp-k8s" 2>/dev/null)" == "$k8s_stamp" ]] || need_build=1
if (( need_build )); then
  log "building ${k8s_bins[*]} $K8S_VERSION into $BIN (cold: several minutes)"
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for kv in "gitVersion=$K8S_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
            buildDate=1970-01-01T00:00:00Z; do
    ldflags+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  rm -rf "$BIN/.new" && mkdir -p "$BIN/.new"
  t=$SECONDS
  (cd "$K8S_SRC/tools" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN/.new/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ./etcd) \
    || skip_or_fail "building k8s.io/kubernetes $K8S_VERSION failed"
  for b in "${k8s_bins[@]}"; do mv -f "$BIN/.new/$b" "$BIN/$b"; done
  rm -rf "$BIN/.new"
  echo "$k8s_stamp" > "$BIN/.stamp-k8s"
  log "built in $((SECONDS - t))s"
fi

kwok_stamp="sigs.k8s.io/kwok $KWOK_VERSION"
if [[ ! -x "$BIN/kwok" || "$(cat "$BIN/.stamp-kwok" 2>/dev/null)" != "$kwok_stamp" ]]; then
  log "building kwok $KWOK_VERSION into $BIN"
  t=$SECONDS
  CGO_ENABLED=0 GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
    || skip_or_fail "go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION failed"
  echo "$kwok_stamp" > "$BIN/.stamp-kwok"
  log "built in $((SECONDS - t))s"
fi
# kwok's default stages come from its module (the same version as the binary).
KWOK_DIR="$(cd / && GOWORK=off go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$KWOK_DIR/kustomize/stage" ]] || skip_or_fail "sigs.k8s.io/kwok@$KWOK_VERSION module has no kustomize/stage"

flock -u 9
exec 9>&-

for b in "${k8s_bins[@]}" kwok; do [[ -x "$BIN/$b" ]] || skip_or_fail "$BIN/$b missing"; done
ETCD="$BIN/etcd"
log "versions: $("$BIN/kube-apiserver" --version), etcd $("$ETCD" --version | awk '/^etcd Version/ {print $3}'), kwok $KWOK_VERSION, helm $("$HELM" version --short)"

# --- the cluster --------------------------------------------------------------------------------

WORK="$(mktemp -d "${TMPDIR:-/tmp}/k8s-test.XXXXXX")"
PIDS=()
TESTS_FAILED=0

stop_all() {
  local rc=$? pid i f n
  trap - EXIT INT TERM
  # The cluster did not come up or the script broke: show the components' last words.
  if (( rc != 0 && TESTS_FAILED == 0 )); then
    for f in "$WORK"/*.log; do
      [[ -f "$f" ]] || continue
      echo "---- last lines of $(basename "$f")"
      tail -n 15 "$f"
    done
  fi
  # Last started, first stopped (etcd last, so the API server can shut down cleanly); each process
  # group gets SIGTERM, then SIGKILL after 10s.
  for ((n = ${#PIDS[@]} - 1; n >= 0; n--)); do
    pid="${PIDS[n]}"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  [[ "${ETCD_DATA:-}" == /dev/shm/k8s-test-etcd.* ]] && rm -rf "$ETCD_DATA"
  if [[ -n "${K8S_TEST_KEEP:-}" ]]; then
    echo "k8s-test: work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in its own process group (setsid), output to $WORK/NAME.log.
start() {
  local name="$1"; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 < /dev/null &
  PIDS+=("$!")
  disown "$!"
  eval "PID_${name//-/_}=$!"
}

# alive NAME: the process started as NAME still runs.
alive() { local v="PID_${1//-/_}"; kill -0 "${!v}" 2>/dev/null; }

# shellcheck source=build/free-ports.sh
source "$ROOT/build/free-ports.sh"

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.5s until it succeeds.
wait_until() {
  local limit="$1" what="$2" deadline=$((SECONDS + $1)); shift 2
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then log "timed out after ${limit}s waiting for $what"; return 1; fi
    sleep 0.5
  done
}

log "work directory $WORK"
cd "$WORK"
export KUBECONFIG="$WORK/admin.kubeconfig" KUBECACHEDIR="$WORK/kubecache"
export HELM_CACHE_HOME="$WORK/helm/cache" HELM_CONFIG_HOME="$WORK/helm/config" HELM_DATA_HOME="$WORK/helm/data"
K="$BIN/kubectl"
# The chart tests' binary links (seconds, on a busy machine tens) while the cluster starts.
start chart-test-build go -C "$CHART/test" test -c -o "$WORK/chart.test" .

# Certificates: a CA, the API server's serving certificate, an admin client certificate
# (system:masters) and the service-account signing key.
{
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=k8s-test-ca
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver
  printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' > apiserver.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 2 -extfile apiserver.ext
  openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=k8s-test-admin"
  printf 'extendedKeyUsage=clientAuth\n' > admin.ext
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 2 -extfile admin.ext
  openssl genrsa -out sa.key 2048
  openssl rsa -in sa.key -pubout -out sa.pub
} > certs.log 2>&1 || { log "FAIL: openssl could not make the certificates"; cat certs.log; exit 1; }

read -r ETCD_PORT ETCD_PEER_PORT API_PORT < <(free_ports 3)
[[ -n "$API_PORT" ]] || { log "FAIL: no free loopback ports"; exit 1; }
cat > admin.kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $WORK/ca.crt
users:
- name: admin
  user:
    client-certificate: $WORK/admin.crt
    client-key: $WORK/admin.key
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
EOF

# etcd's data in memory when /dev/shm is there (no fsync cost while other builds use the disk).
ETCD_DATA="$WORK/etcd-data"
if [[ -d /dev/shm && -w /dev/shm ]]; then ETCD_DATA="$(mktemp -d /dev/shm/k8s-test-etcd.XXXXXX)"; fi

start etcd "$ETCD" --name k8s-test --data-dir "$ETCD_DATA" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "k8s-test=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn
etcd_healthy() { alive etcd && (exec 3<>"/dev/tcp/127.0.0.1/$ETCD_PORT"); }
wait_until 30 "etcd on 127.0.0.1:$ETCD_PORT" etcd_healthy || exit 1

start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file apiserver.crt --tls-private-key-file apiserver.key --client-ca-file ca.crt \
  --service-account-key-file sa.pub --service-account-signing-key-file sa.key \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --authorization-mode Node,RBAC --service-cluster-ip-range 10.96.0.0/16 \
  --endpoint-reconciler-type none --cert-dir "$WORK/apiserver-certs" --v 1
apiserver_ready() { alive kube-apiserver && "$K" get --raw /readyz; }
wait_until 90 "kube-apiserver /readyz on 127.0.0.1:$API_PORT" apiserver_ready || exit 1
log "kube-apiserver ready after $((SECONDS - T0))s"

start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$KUBECONFIG" \
  --leader-elect=false --secure-port 0 --use-service-account-credentials=false \
  --service-account-private-key-file sa.key --root-ca-file ca.crt \
  --concurrent-deployment-syncs 2 --horizontal-pod-autoscaler-sync-period 5s --v 1
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$KUBECONFIG" --leader-elect=false --secure-port 0 --v 1

# kwok's configuration: its default node stages (initialize, heartbeat with lease) and its "fast"
# pod stages (ready, complete, delete), from the module of the version we built.
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$KWOK_DIR/kustomize/stage/$f"
  done
} > kwok.yaml
start kwok "$BIN/kwok" --kubeconfig "$KUBECONFIG" --config "$WORK/kwok.yaml" --node-lease-duration-seconds 40 \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --cidr 10.244.0.0/16 --node-ip 10.0.0.10

"$K" apply -f "$K8S_SRC/kwok-node.yaml" >/dev/null
"$K" apply -f "$K8S_SRC/servicemonitor-crd.yaml" >/dev/null
node_ready() { "$K" wait --for=condition=Ready node/kwok-node-0 --timeout=2s; }
wait_until 60 "node kwok-node-0 Ready" node_ready || exit 1
"$K" wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com --timeout=30s >/dev/null
# The namespace enforces (and warns about) Pod Security "restricted", the chart's promise.
"$K" create namespace "$NS" >/dev/null
"$K" label namespace "$NS" pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted >/dev/null
"$K" create namespace "$NS_AGENT" >/dev/null
"$K" label namespace "$NS_AGENT" pod-security.kubernetes.io/enforce=privileged >/dev/null
sa_ready() { "$K" -n "$NS" get serviceaccount default && "$K" -n "$NS_AGENT" get serviceaccount default; }
wait_until 30 "the default ServiceAccounts in $NS and $NS_AGENT" sa_ready || exit 1
for c in kube-controller-manager kube-scheduler kwok; do alive "$c" || { log "FAIL: $c exited"; exit 1; }; done
log "cluster up after $((SECONDS - T0))s (etcd :$ETCD_PORT, kube-apiserver :$API_PORT)"

# --- the tests ----------------------------------------------------------------------------------

built() { ! alive chart-test-build; }
wait_until 600 "go test -c in charts/otelcol-obtrace/test" built || exit 1
[[ -x "$WORK/chart.test" ]] || { log "FAIL: go test -c in charts/otelcol-obtrace/test"; cat "$WORK/chart-test-build.log"; exit 1; }
log "TestChartOnAPIServer (charts/otelcol-obtrace/test)"
set +e
(cd "$CHART/test" && K8S_TEST_KUBECONFIG="$KUBECONFIG" K8S_TEST_PORTS="$(free_ports 2)" HELM="$HELM" \
   OTELCOL_BIN="$OTELCOL_BIN" "$WORK/chart.test" -test.timeout 15m -test.run '^TestChartOnAPIServer$' -test.v)
rc=$?
set -e
(( rc == 0 )) || TESTS_FAILED=1

for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  alive "$c" || { log "FAIL: $c exited during the tests"; TESTS_FAILED=1; }
done
log "finished in $((SECONDS - T0))s"
if (( TESTS_FAILED )); then echo "k8s-test: FAIL"; exit 1; fi
echo "k8s-test: PASS"
