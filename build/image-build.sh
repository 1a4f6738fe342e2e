#!/usr/bin/env bash
# Build the otelcol-obtrace runtime image (Dockerfile default stage, FROM scratch, no pull) from a
# prebuilt static binary, with docker if present, else buildah.
#
# usage: build/image-build.sh BINARY [IMAGE]      (IMAGE default: otelcol-obtrace:<binary --version>)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:?usage: $0 BINARY [IMAGE]}"
version="$("$BIN" --version | awk '{print $NF}')"
IMAGE="${2:-otelcol-obtrace:$version}"

"$ROOT/build/prepare-image-context.sh" "$BIN"
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  docker build --pull=false -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT"
elif command -v buildah >/dev/null 2>&1; then
  buildah bud --pull=false --layers=false -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT"
else
  echo "image-build: neither a running docker nor buildah is available (apt-get install -y buildah)" >&2
  exit 1
fi
echo "image-build: built $IMAGE (version $version)"
