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
# On that cluster (namespace "observability", Pod Security "restricted" enforced):
#   1. kubectl apply --dry-run=server of every examples/*/rendered/ (strict field validation, no
#      Pod Security warning allowed);
#   2. helm install of the gateway example gateway-existing-secret-hpa (its Secrets created first):
#      the Deployment becomes Ready, the HPA scales it to minReplicas, the Service's EndpointSlice
#      holds every pod with every port, the PDB covers the pods, and every Secret/ConfigMap (and key)
#      the pods reference exists (kwok runs no container, so nothing else would notice);
#   3. helm upgrade with a collector config change (config.processors.memory_limiter.check_interval
#      through the chart's `config:` merge): the ConfigMap changes, checksum/config changes, a new
#      ReplicaSet, all pods replaced by pods carrying the new checksum, the HPA's replica count kept;
#   4. helm install of the agent example: the DaemonSet runs a Ready pod on the node, its
#      Secret/ConfigMap references resolve;
#   5. the collecting agent (agent-collect, hostPath volumes, UID 0): flagged by Pod Security in the
#      restricted namespace (a server dry-run warns for its hostPath volumes), installed into "observability-agent" (Pod Security "privileged"), its
#      DaemonSet Ready with every Secret and ConfigMap reference in place;
#   6. k8s_attributes on this API server (charts/otelcol-obtrace/test TestK8sAttributesAgainstAPIServer,
#      needs OTELCOL_BIN): a Deployment of 2 pods in namespace k8sattr-demo, a kubeconfig with a token
#      of agent-collect's ServiceAccount (kubectl create token), the real collector with the chart's
#      k8s_attributes settings; spans carrying the pods' k8s.pod.ip come out with namespace,
#      deployment, pod, node and labels; without the chart's ClusterRoleBinding the API server refuses
#      the collector (forbidden) and its receiver never opens;
#   7. helm uninstall of every release leaves no object of any of them (every namespaced and
#      cluster-scoped listable type is checked) and keeps the Secrets made outside the chart.
# Every process it starts runs in its own process group and is stopped on exit; every wait is bounded.
#
# usage: build/k8s-test.sh
# env:   HELM (default .tools/bin/helm)
#        OTELCOL_BIN (default .build/otelcol-obtrace) for test 6; without the binary test 6 is
#                   skipped (CI=true: fails)
#        K8S_TEST_KEEP=1   keep the work directory (logs, kubeconfig) after the run
#        CI=true           a missing prerequisite fails the run instead of printing SKIP
# Ends with "k8s-test: N passed, N failed".
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
GW=otelcol-obtrace-gateway
AG=otelcol-obtrace-agent
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
FAILED=0

stop_all() {
  local rc=$? pid i f n
  trap - EXIT INT TERM
  # The cluster did not come up or the script broke: show the components' last words.
  if (( rc != 0 && FAILED == 0 )); then
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

PASSED=0
run() {
  local name="$1" t=$SECONDS; shift
  log "RUN  $name"
  # Not under "if": set -e must stay in force inside the test.
  set +e
  ( set -euo pipefail; "$@" )
  local rc=$?
  set -e
  if (( rc == 0 )); then
    PASSED=$((PASSED + 1)); log "PASS $name ($((SECONDS - t))s)"
  else
    FAILED=$((FAILED + 1)); log "FAIL $name ($((SECONDS - t))s)"
    diagnose
  fi
}
# What the namespace holds, and its latest events, after a failed test.
diagnose() {
  {
    echo "---- kubectl get all,cm,secret,pdb,endpointslices -n $NS"
    "$K" -n "$NS" get all,configmap,secret,pdb,endpointslices -o wide
    echo "---- latest events in $NS"
    "$K" -n "$NS" get events --sort-by=.lastTimestamp | tail -n 25
  } 2>&1 | sed 's/^/    /' || true
}
fail() { echo "    $*" >&2; return 1; }
jp() { "$K" -n "$NS" get "$1" -o "jsonpath=$2"; }
# wait_eq SECONDS WANT DESCRIPTION CMD...: poll CMD's output until it equals WANT.
wait_eq() {
  local limit="$1" want="$2" what="$3" deadline=$(($SECONDS + $1)) got=""; shift 3
  while true; do
    got="$("$@" 2>/dev/null || true)"
    [[ "$got" == "$want" ]] && return 0
    (( SECONDS >= deadline )) && { echo "    timed out after ${limit}s: $what: got '$got', want '$want'" >&2; return 1; }
    sleep 0.5
  done
}
# pods of release $1 (in namespace ${RNS:-$NS}) that are not being deleted, "name=ready" sorted.
release_pods() {
  "$K" -n "${RNS:-$NS}" get pods -l "app.kubernetes.io/instance=$1" \
    -o 'go-template={{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}}={{range .status.conditions}}{{if eq .type "Ready"}}{{.status}}{{end}}{{end}}{{"\n"}}{{end}}{{end}}' | sort
}
ready_count() { release_pods "$1" | grep -c '=True$' || true; }

# check_pod_refs RELEASE: kwok starts no container, so check what a kubelet would refuse to start
# a pod without: every Secret and ConfigMap its pods name (volumes, projected volumes, env, envFrom)
# exists with the named key, unless marked optional.
check_pod_refs() {
  local refs kind name key optional bad=0 NS="${RNS:-$NS}"
  refs="$("$K" -n "$NS" get pods -l "app.kubernetes.io/instance=$1" -o go-template='{{range .items}}{{range .spec.volumes}}{{with .secret}}secret {{.secretName}} - {{.optional}}{{"\n"}}{{end}}{{with .configMap}}configmap {{.name}} - {{.optional}}{{"\n"}}{{end}}{{with .projected}}{{range .sources}}{{with .secret}}secret {{.name}} - {{.optional}}{{"\n"}}{{end}}{{with .configMap}}configmap {{.name}} - {{.optional}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}{{range .spec.containers}}{{range .env}}{{with .valueFrom}}{{with .secretKeyRef}}secret {{.name}} {{.key}} {{.optional}}{{"\n"}}{{end}}{{with .configMapKeyRef}}configmap {{.name}} {{.key}} {{.optional}}{{"\n"}}{{end}}{{end}}{{end}}{{range .envFrom}}{{with .secretRef}}secret {{.name}} - {{.optional}}{{"\n"}}{{end}}{{with .configMapRef}}configmap {{.name}} - {{.optional}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}' | sort -u)"
  [[ -n "$refs" ]] || fail "pods of $1 reference no Secret or ConfigMap (expected at least the config)"
  while read -r kind name key optional; do
    [[ "$optional" == true ]] && continue
    if ! "$K" -n "$NS" get "$kind" "$name" >/dev/null 2>&1; then
      echo "    pods of $1 need $kind/$name, which does not exist" >&2; bad=1; continue
    fi
    if [[ "$key" != - ]] && [[ -z "$("$K" -n "$NS" get "$kind" "$name" -o "go-template={{index .data \"$key\"}}")" ]]; then
      echo "    pods of $1 need key $key of $kind/$name, which has none" >&2; bad=1; continue
    fi
    if [[ "$key" == - ]]; then echo "    pods of $1 use $kind/$name"; else echo "    pods of $1 use $kind/$name key $key"; fi
  done <<<"$refs"
  return "$bad"
}

test_dry_run() {
  local dir="$1" out
  out="$("$K" apply --dry-run=server --validate=strict -f "$dir" 2>&1)" || { echo "$out" | sed 's/^/    /' >&2; return 1; }
  echo "$out" | sed 's/^/    /'
  if grep -qi 'warning' <<<"$out"; then fail "the API server warned (Pod Security or deprecation)"; fi
  local want got
  want="$(ls "$dir" | wc -l)"; got="$(grep -c 'created (server dry run)' <<<"$out" || true)"
  [[ "$got" == "$want" ]] || fail "$got of $want objects accepted"
}

test_gateway_install() {
  # The Secrets the example expects to exist (see its values.yaml).
  "$K" -n "$NS" create secret generic obtrace-api-key --from-literal=api-key=obt_live_k8stest >/dev/null
  "$K" -n "$NS" create secret generic obtrace-gateway-token --from-literal=token="$(openssl rand -hex 32)" >/dev/null
  "$HELM" install "$GW" "$CHART" -n "$NS" -f "$CHART/examples/gateway-existing-secret-hpa/values.yaml" \
    --wait --timeout 120s | sed 's/^/    /'
  # The HPA (minReplicas 3) scales the Deployment, which the chart leaves without replicas.
  wait_eq 60 3 "Deployment replicas set by the HPA" jp "deployment/$GW" '{.spec.replicas}'
  "$K" -n "$NS" rollout status "deployment/$GW" --timeout=90s | sed 's/^/    /'
  wait_eq 60 3 "Ready gateway pods" ready_count "$GW"
  wait_eq 60 3 "HPA currentReplicas" jp "hpa/$GW" '{.status.currentReplicas}'
  # The PDB selects the pods.
  wait_eq 60 3 "PDB expectedPods" jp "pdb/$GW" '{.status.expectedPods}'
  # The Service selects the pods and every port resolves (named targetPorts match container ports).
  local svc_ports slice_ports
  svc_ports="$(jp "service/$GW" '{range .spec.ports[*]}{.name}/{.port}->{.targetPort}{"\n"}{end}')"
  echo "$svc_ports" | sed 's/^/    service port /'
  want_slice_ports="$(jp "service/$GW" '{range .spec.ports[*]}{.name}{"\n"}{end}' | sort | paste -sd,)"
  slice_view() {
    "$K" -n "$NS" get endpointslices -l "kubernetes.io/service-name=$GW" \
      -o 'go-template={{range .items}}{{range .endpoints}}{{if .conditions.ready}}E{{end}}{{end}}{{end}}' | wc -c
  }
  wait_eq 60 3 "ready endpoints in the EndpointSlice of service/$GW" slice_view
  slice_ports="$("$K" -n "$NS" get endpointslices -l "kubernetes.io/service-name=$GW" \
    -o 'go-template={{range .items}}{{range .ports}}{{.name}}{{"\n"}}{{end}}{{end}}' | sort | paste -sd,)"
  [[ "$slice_ports" == "$want_slice_ports" ]] || fail "EndpointSlice ports '$slice_ports', Service ports '$want_slice_ports'"
  # The headless Service too.
  wait_eq 60 3 "ready endpoints of service/$GW-headless" bash -c \
    "'$K' -n '$NS' get endpointslices -l 'kubernetes.io/service-name=$GW-headless' -o 'go-template={{range .items}}{{range .endpoints}}{{if .conditions.ready}}E{{end}}{{end}}{{end}}' | wc -c"
  # The API key reaches the pod only through the Secret reference.
  [[ "$(jp "deployment/$GW" '{.spec.template.spec.containers[0].env[?(@.name=="OBTRACE_API_KEY")].valueFrom.secretKeyRef.name}')" == obtrace-api-key ]] \
    || fail "OBTRACE_API_KEY does not come from secret obtrace-api-key"
  "$K" -n "$NS" get servicemonitor "$GW" >/dev/null || fail "no ServiceMonitor"
  check_pod_refs "$GW"
  release_pods "$GW" | sed 's/^/    pod /'
}

test_gateway_upgrade() {
  local sum0 sum1 rs0 rs1 pods0 pods1 p
  sum0="$(jp "deployment/$GW" '{.spec.template.metadata.annotations.checksum/config}')"
  [[ -n "$sum0" ]] || fail "no checksum/config annotation on the pod template"
  rs0="$("$K" -n "$NS" get rs -l "app.kubernetes.io/instance=$GW" -o 'jsonpath={.items[?(@.spec.replicas>0)].metadata.name}')"
  pods0="$(release_pods "$GW" | cut -d= -f1)"
  "$HELM" upgrade "$GW" "$CHART" -n "$NS" -f "$CHART/examples/gateway-existing-secret-hpa/values.yaml" \
    --set config.processors.memory_limiter.check_interval=3s --wait --timeout 120s | sed 's/^/    /'
  "$K" -n "$NS" get configmap "$GW" -o yaml | grep -q 'check_interval: 3s' \
    || fail "the ConfigMap lacks the new memory_limiter check_interval"
  sum1="$(jp "deployment/$GW" '{.spec.template.metadata.annotations.checksum/config}')"
  echo "    checksum/config $sum0 -> $sum1"
  [[ "$sum1" != "$sum0" ]] || fail "checksum/config did not change"
  "$K" -n "$NS" rollout status "deployment/$GW" --timeout=120s | sed 's/^/    /'
  # The upgrade keeps the HPA's replica count (the chart sets no replicas under autoscaling).
  [[ "$(jp "deployment/$GW" '{.spec.replicas}')" == 3 ]] || fail "replicas reset by the upgrade: $(jp "deployment/$GW" '{.spec.replicas}')"
  rs1="$("$K" -n "$NS" get rs -l "app.kubernetes.io/instance=$GW" -o 'jsonpath={.items[?(@.spec.replicas>0)].metadata.name}')"
  echo "    active ReplicaSet $rs0 -> $rs1"
  [[ -n "$rs1" && "$rs1" != *" "* && "$rs1" != "$rs0" ]] || fail "no single new ReplicaSet (before '$rs0', after '$rs1')"
  [[ "$(jp "rs/$rs0" '{.spec.replicas}')" == 0 ]] || fail "the old ReplicaSet $rs0 was not scaled to 0"
  wait_eq 90 3 "Ready gateway pods after the upgrade" ready_count "$GW"
  old_pods_left() { local n=0; for p in $pods0; do "$K" -n "$NS" get pod "$p" >/dev/null 2>&1 && n=$((n + 1)); done; echo "$n"; }
  wait_eq 90 0 "old pods gone" old_pods_left
  pods1="$(release_pods "$GW" | cut -d= -f1)"
  for p in $pods1; do
    [[ "$p" == "$rs1"-* ]] || fail "pod $p does not belong to the new ReplicaSet $rs1"
    [[ "$(jp "pod/$p" '{.metadata.annotations.checksum/config}')" == "$sum1" ]] || fail "pod $p has an old checksum/config"
  done
  echo "    pods $(echo $pods0) -> $(echo $pods1)"
}

test_agent_install() {
  "$HELM" install "$AG" "$CHART" -n "$NS" -f "$CHART/examples/agent-to-gateway/values.yaml" \
    --wait --timeout 120s | sed 's/^/    /'
  wait_eq 60 1 "DaemonSet desiredNumberScheduled (one node)" jp "daemonset/$AG" '{.status.desiredNumberScheduled}'
  wait_eq 60 1 "DaemonSet numberReady" jp "daemonset/$AG" '{.status.numberReady}'
  wait_eq 60 1 "Ready agent pods" ready_count "$AG"
  [[ "$(jp "pod/$(release_pods "$AG" | cut -d= -f1)" '{.spec.nodeName}')" == kwok-node-0 ]] || fail "agent pod not on kwok-node-0"
  [[ "$(jp "service/$AG" '{.spec.internalTrafficPolicy}')" == Local ]] || fail "agent Service internalTrafficPolicy is not Local"
  wait_eq 60 1 "ready endpoints of service/$AG" bash -c \
    "'$K' -n '$NS' get endpointslices -l 'kubernetes.io/service-name=$AG' -o 'go-template={{range .items}}{{range .endpoints}}{{if .conditions.ready}}E{{end}}{{end}}{{end}}' | wc -c"
  check_pod_refs "$AG"
  release_pods "$AG" | sed 's/^/    pod /'
}

# Pod Security admission enforces on Pods only; for a DaemonSet it warns (the namespace has
# warn=restricted), so the warning is what shows the restricted namespace would refuse its pods.
test_agent_collect_refused_in_restricted() {
  local out
  out="$("$HELM" template "$AG" "$CHART" -n "$NS" --kube-version "${KUBE_VERSION:-1.34.0}" -f "$CHART/examples/agent-collect/values.yaml" \
        | "$K" apply --dry-run=server -f - 2>&1)" || { echo "$out" | sed 's/^/    /' >&2; fail "server dry-run failed"; }
  grep -q 'would violate PodSecurity "restricted:latest"' <<<"$out" \
    || { echo "$out" | sed 's/^/    /' >&2; fail "no Pod Security warning for the collecting agent in $NS"; }
  grep -q 'hostPath' <<<"$out" || fail "the Pod Security warning does not name the hostPath volumes"
  grep 'would violate PodSecurity' <<<"$out" | head -n 1 | cut -c1-400 | sed 's/^/    /'
}

test_agent_collect_install() {
  # The Secrets agent-collect's values name, in its own namespace.
  "$K" -n "$NS_AGENT" create secret generic obtrace-gateway-token \
    --from-literal=token="$("$K" -n "$NS" get secret obtrace-gateway-token -o 'go-template={{.data.token | base64decode}}')" >/dev/null
  "$K" -n "$NS_AGENT" create secret generic otelcol-obtrace-agent-receiver-token --from-literal=token="$(openssl rand -hex 32)" >/dev/null
  "$HELM" install "$AG" "$CHART" -n "$NS_AGENT" -f "$CHART/examples/agent-collect/values.yaml" \
    --wait --timeout 120s | sed 's/^/    /'
  local RNS="$NS_AGENT" pod
  wait_eq 60 1 "DaemonSet numberReady" "$K" -n "$NS_AGENT" get "daemonset/$AG" -o 'jsonpath={.status.numberReady}'
  wait_eq 60 1 "Ready agent pods" ready_count "$AG"
  pod="$(release_pods "$AG" | cut -d= -f1)"
  echo "    hostPath volumes: $("$K" -n "$NS_AGENT" get pod "$pod" -o 'go-template={{range .spec.volumes}}{{with .hostPath}}{{.path}} {{end}}{{end}}')"
  [[ "$("$K" -n "$NS_AGENT" get pod "$pod" -o 'jsonpath={.spec.automountServiceAccountToken}')" == true ]] \
    || fail "the agent pod does not mount its ServiceAccount token (k8s_attributes needs it)"
  [[ "$("$K" get clusterrolebinding "$NS_AGENT-$AG" -o 'jsonpath={.subjects[0].namespace}/{.subjects[0].name}')" == "$NS_AGENT/$AG" ]] \
    || fail "ClusterRoleBinding $NS_AGENT-$AG does not bind $NS_AGENT/$AG"
  "$K" -n "$NS_AGENT" get networkpolicy "$AG" >/dev/null || fail "no NetworkPolicy"
  check_pod_refs "$AG"
  release_pods "$AG" | sed 's/^/    pod /'
}

# The Deployment whose pods' addresses the spans of test_k8sattributes carry.
checkout_deployment() {
  cat <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: checkout}
  template:
    metadata:
      labels: {app.kubernetes.io/name: checkout, app.kubernetes.io/version: 1.4.2, example.com/team: payments}
    spec:
      containers:
        - {name: app, image: registry.invalid/checkout:1.4.2}
EOF
}

test_k8sattributes() {
  if [[ ! -x "$OTELCOL_BIN" ]]; then
    [[ "${CI:-}" == "true" ]] && fail "OTELCOL_BIN $OTELCOL_BIN is not executable (make build); CI=true requires this test"
    echo "    SKIP: no collector binary at $OTELCOL_BIN (make build, or set OTELCOL_BIN)"; return 0
  fi
  local demo=k8sattr-demo server token ports rc
  "$K" create namespace "$demo" >/dev/null
  checkout_deployment | "$K" -n "$demo" create -f - >/dev/null
  pods_with_ip() {
    "$K" -n "$demo" get pods -l app.kubernetes.io/name=checkout \
      -o 'go-template={{range .items}}{{if .status.podIP}}{{.metadata.name}}{{"\n"}}{{end}}{{end}}' | grep -c .
  }
  wait_eq 60 2 "pods of $demo/checkout with an IP" pods_with_ip
  "$K" -n "$demo" get pods -o wide | sed 's/^/    /'
  # A kubeconfig that authenticates as agent-collect's ServiceAccount, so only the chart's RBAC
  # decides what the collector may read.
  server="$("$K" config view --minify -o 'jsonpath={.clusters[0].cluster.server}')"
  token="$("$K" -n "$NS_AGENT" create token "$AG" --duration=1h)"
  (umask 077 && cat > "$WORK/sa.kubeconfig") <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "$server", certificate-authority: "$WORK/ca.crt"}
users:
- name: sa
  user: {token: "$token"}
contexts:
- name: test
  context: {cluster: test, user: sa}
current-context: test
EOF
  ports="$(free_ports 2)"
  set +e
  (cd "$CHART/test" && KUBECONFIG_FOR_TEST="$WORK/sa.kubeconfig" K8S_ADMIN_KUBECONFIG="$KUBECONFIG" OTELCOL_BIN="$OTELCOL_BIN" \
     K8S_TEST_RELEASE="$AG" K8S_TEST_RELEASE_NAMESPACE="$NS_AGENT" K8S_TEST_WORKLOAD_NAMESPACE="$demo" \
     K8S_TEST_DEPLOYMENT=checkout K8S_TEST_NODE=kwok-node-0 K8S_TEST_PORTS="$ports" HELM="$HELM" \
     go test -count=1 -timeout 5m -run '^TestK8sAttributesAgainstAPIServer$' -v ./... > "$WORK/k8sattributes-test.log" 2>&1)
  rc=$?
  set -e
  if (( rc == 0 )); then grep -E 'k8sattributes_test.go|^(---|ok)' "$WORK/k8sattributes-test.log" | sed 's/^/    /'
  else sed 's/^/    /' "$WORK/k8sattributes-test.log"; fail "TestK8sAttributesAgainstAPIServer failed"; fi
  "$K" get clusterrolebinding "$NS_AGENT-$AG" >/dev/null || fail "the test did not restore ClusterRoleBinding $NS_AGENT-$AG"
  "$K" delete namespace "$demo" --wait=false >/dev/null
}

# objects of release $1 in any listable type, namespaced and cluster-scoped, plus Helm's records;
# "ERROR" when the API server could not be asked.
leftovers() {
  local types
  types="$("$K" api-resources --verbs=list -o name | grep -v '^events' | paste -sd,)" && [[ -n "$types" ]] \
    || { echo ERROR; return 0; }
  "$K" get "$types" -A -l "app.kubernetes.io/instance=$1" -o name 2>"$WORK/leftovers.err" \
    || { echo ERROR; cat "$WORK/leftovers.err" >&2; }
  "$K" get secrets -A -l "owner=helm,name=$1" -o name || echo ERROR
}

test_uninstall() {
  # The leftover search must see the releases while they are installed.
  local n
  n="$(leftovers "$GW" | grep -c . || true)"
  leftovers "$GW" | grep -q ERROR && fail "the API server could not be asked for the objects of $GW"
  (( n >= 8 )) || fail "only $n objects of $GW found before the uninstall"
  echo "    $n objects of $GW and $(leftovers "$AG" | grep -c .) of $AG before the uninstall"
  "$HELM" uninstall "$AG" -n "$NS" --wait --timeout 120s | sed 's/^/    /'
  if "$HELM" list -n "$NS_AGENT" -q | grep -qx "$AG"; then
    "$HELM" uninstall "$AG" -n "$NS_AGENT" --wait --timeout 120s | sed 's/^/    /'
  fi
  "$HELM" uninstall "$GW" -n "$NS" --wait --timeout 120s | sed 's/^/    /'
  count() { leftovers "$1" | grep -c . || true; }
  wait_eq 90 0 "objects of release $AG" count "$AG" || { leftovers "$AG" | sed 's/^/    left: /' >&2; return 1; }
  wait_eq 90 0 "objects of release $GW" count "$GW" || { leftovers "$GW" | sed 's/^/    left: /' >&2; return 1; }
  [[ -z "$("$HELM" list -A -a -q)" ]] || fail "helm still lists releases: $("$HELM" list -A -a -q)"
  "$K" -n "$NS" get secret obtrace-api-key obtrace-gateway-token >/dev/null || fail "a Secret made outside the chart was deleted"
}

for dir in "$CHART"/examples/*/rendered; do
  run "dry-run=server $(basename "$(dirname "$dir")")/rendered" test_dry_run "$dir"
done
run "helm install gateway (gateway-existing-secret-hpa)" test_gateway_install
run "helm upgrade gateway with a config change rolls the pods" test_gateway_upgrade
run "helm install agent (agent-to-gateway)" test_agent_install
run "Pod Security flags the collecting agent in the restricted namespace" test_agent_collect_refused_in_restricted
run "helm install collecting agent (agent-collect) into $NS_AGENT" test_agent_collect_install
run "k8s_attributes with the chart's ServiceAccount and RBAC (real collector)" test_k8sattributes
run "helm uninstall leaves no object of any release" test_uninstall

for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  alive "$c" || { log "FAIL: $c exited during the tests"; FAILED=$((FAILED + 1)); }
done
log "finished in $((SECONDS - T0))s"
echo "k8s-test: $PASSED passed, $FAILED failed"
(( FAILED == 0 ))
