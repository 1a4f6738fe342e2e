#!/usr/bin/env bash
# Build the otelcol-obtrace image daemonless with buildah from a prebuilt binary and check it:
# user 10001, entrypoint/cmd, exposed ports, default config path; then, inside the image (buildah
# run --isolation chroot, as the image's user), `--version` and `validate` of the default config.
# Cleans up the image and container it made. Needs root (or rootless buildah) and no registry.
#
# usage: build/image-check.sh [BINARY]     (default: $OTELCOL_BIN, else .build/otelcol-obtrace)
# Without buildah: prints SKIP and exits 0, unless CI=true (then it fails).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-${OTELCOL_BIN:-$ROOT/.build/otelcol-obtrace}}"
IMAGE="${IMAGE:-localhost/otelcol-obtrace:test}"
BUILDAH=(buildah --storage-driver vfs)

if ! command -v buildah >/dev/null 2>&1; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "image-check: FAIL: buildah is not installed (apt-get install -y buildah); CI=true requires the image check" >&2
    exit 1
  fi
  echo "image-check: SKIP: buildah is not installed (apt-get install -y buildah to run the image check)"
  exit 0
fi

fail() { echo "image-check: FAIL: $*" >&2; exit 1; }
ok() { echo "image-check: ok: $*"; }

"$ROOT/build/prepare-image-context.sh" "$BIN"

CTR=""
cleanup() {
  [[ -n "$CTR" ]] && "${BUILDAH[@]}" rm "$CTR" >/dev/null 2>&1 || true
  "${BUILDAH[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "image-check: buildah bud -> $IMAGE"
"${BUILDAH[@]}" bud --layers=false --pull=false -f "$ROOT/Dockerfile" -t "$IMAGE" "$ROOT" \
  || fail "buildah bud failed"

cfg() { "${BUILDAH[@]}" inspect --type image --format "$1" "$IMAGE"; }

user="$(cfg '{{.OCIv1.Config.User}}')"
[[ "$user" == "10001:10001" ]] || fail "image user is '$user', want 10001:10001"
ok "user $user"

# (buildah 1.28's --format has no json function: join list items with '|')
entrypoint="$(cfg '{{range .OCIv1.Config.Entrypoint}}{{.}}|{{end}}')"
[[ "$entrypoint" == '/otelcol-obtrace|' ]] || fail "entrypoint is '$entrypoint', want [\"/otelcol-obtrace\"]"
ok "entrypoint $entrypoint"

cmd="$(cfg '{{range .OCIv1.Config.Cmd}}{{.}}|{{end}}')"
[[ "$cmd" == '--config=/etc/otelcol-obtrace/config.yaml|' ]] || fail "cmd is '$cmd', want [\"--config=/etc/otelcol-obtrace/config.yaml\"]"
ok "cmd $cmd"

ports="$(cfg '{{range $p, $_ := .OCIv1.Config.ExposedPorts}}{{$p}} {{end}}')"
for p in 4317/tcp 4318/tcp 13133/tcp 8888/tcp; do
  [[ " $ports " == *" $p "* ]] || fail "port $p is not exposed (exposed: $ports)"
done
ok "exposed ports $ports"

CTR="$("${BUILDAH[@]}" from --pull-never "$IMAGE")"
MNT_CHECK=(/otelcol-obtrace /etc/otelcol-obtrace/config.yaml /etc/ssl/certs/ca-certificates.crt)
run() { "${BUILDAH[@]}" run --isolation chroot --env OBTRACE_API_KEY=obt_live_image_check_key --env OTELCOL_RECEIVER_TOKEN=image-check-receiver-token "$CTR" -- "$@"; }

version="$(run /otelcol-obtrace --version)" || fail "/otelcol-obtrace --version failed: $version"
[[ "$version" == *otelcol-obtrace* ]] || fail "unexpected --version output: $version"
ok "--version: $version"

out="$(run /otelcol-obtrace validate --config=/etc/otelcol-obtrace/config.yaml 2>&1)" \
  || fail "validate of the default config failed:
$out"
ok "validate --config=/etc/otelcol-obtrace/config.yaml"

# The files a scratch image must carry, and the queue directory writable by 10001.
mnt="$("${BUILDAH[@]}" mount "$CTR")"
for f in "${MNT_CHECK[@]}"; do [[ -s "$mnt$f" ]] || fail "$f missing in the image"; done
owner="$(stat -c '%u:%g' "$mnt/var/lib/otelcol-obtrace/queue")"
[[ "$owner" == "10001:10001" ]] || fail "/var/lib/otelcol-obtrace/queue is owned by $owner, want 10001:10001"
"${BUILDAH[@]}" umount "$CTR" >/dev/null
ok "CA bundle, default config, queue dir owned by 10001"

# Start the collector from the image on loopback-only ports (chroot isolation shares the host
# network), wait for health_check, then stop it. OBTRACE_ENDPOINT points at a closed loopback
# port so nothing leaves the machine, and k8s_attributes runs in passthrough (no API server here). Proves the image starts as 10001 with its default config
# and can write the persistent queue.
# Ports chosen at run time (free_ports: below the ephemeral range, see build/free-ports.sh).
# shellcheck source=build/free-ports.sh
source "$ROOT/build/free-ports.sh"
read -r grpc_port http_port health metrics_port < <(free_ports 4)
[[ -n "$metrics_port" ]] || { echo "image-check: FAIL: no free loopback ports" >&2; exit 1; }
"${BUILDAH[@]}" run --isolation chroot \
  --env OBTRACE_API_KEY=obt_live_image_check_key --env OTELCOL_RECEIVER_TOKEN=image-check-receiver-token --env OBTRACE_ENDPOINT=http://127.0.0.1:9 --env OTELCOL_K8S_PASSTHROUGH=true "$CTR" -- \
  /otelcol-obtrace --config=/etc/otelcol-obtrace/config.yaml \
  "--set=receivers::otlp::protocols::grpc::endpoint=127.0.0.1:$grpc_port" \
  "--set=receivers::otlp::protocols::http::endpoint=127.0.0.1:$http_port" \
  "--set=extensions::health_check::endpoint=127.0.0.1:$health" \
  "--config=yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: $metrics_port}}}}]" \
  >"$ROOT/.build/image-check-run.log" 2>&1 &
RUN_PID=$!
healthy=""
for _ in $(seq 1 60); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$health" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3 | grep -q ' 200 ') 2>/dev/null; then
    healthy=1; break
  fi
  kill -0 "$RUN_PID" 2>/dev/null || break
  sleep 0.25
done
kill -TERM "$RUN_PID" 2>/dev/null || true
wait "$RUN_PID" 2>/dev/null || true
[[ -n "$healthy" ]] || fail "the collector did not become healthy on 127.0.0.1:$health; log:
$(tail -n 30 "$ROOT/.build/image-check-run.log")"
mnt="$("${BUILDAH[@]}" mount "$CTR")"
queue_files="$(find "$mnt/var/lib/otelcol-obtrace/queue" -type f -user 10001 | wc -l)"
"${BUILDAH[@]}" umount "$CTR" >/dev/null
[[ "$queue_files" -gt 0 ]] || fail "the running collector wrote no queue file as 10001 into /var/lib/otelcol-obtrace/queue"
ok "started as 10001, health_check answered 200 on 127.0.0.1:$health, wrote $queue_files persistent-queue files"

echo "image-check: PASS ($IMAGE, removed on exit)"
