#!/usr/bin/env bash
# Fill the container build context for the Dockerfile's default (FROM scratch) stage:
#   .build/image/otelcol-obtrace      the prebuilt static binary (argument 1)
#   .build/image/ca-certificates.crt  the CA bundle of this machine (/etc/ssl/certs)
#   .build/image/config.yaml          configs/gateway.yaml, the image's default config
#   .build/image/queue/               empty; becomes /var/lib/otelcol-obtrace/queue (owned by 10001)
#
# usage: build/prepare-image-context.sh BINARY [OUT_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:?usage: $0 BINARY [OUT_DIR]}"
OUT="${2:-$ROOT/.build/image}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

[[ -x "$BIN" ]] || { echo "prepare-image-context: $BIN is not an executable (build it with 'make build')" >&2; exit 1; }
[[ -s "$CA_BUNDLE" ]] || { echo "prepare-image-context: no CA bundle at $CA_BUNDLE (apt-get install -y ca-certificates)" >&2; exit 1; }

# A FROM-scratch image has no libc: refuse a dynamically linked binary.
if head -c 4 "$BIN" | grep -q $'\x7fELF'; then
  if command -v readelf >/dev/null 2>&1 && readelf -l "$BIN" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    echo "prepare-image-context: $BIN is dynamically linked; build with CGO_ENABLED=0" >&2; exit 1
  fi
else
  echo "prepare-image-context: $BIN is not an ELF binary" >&2; exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT/queue"
install -m 0755 "$BIN" "$OUT/otelcol-obtrace"
install -m 0644 "$CA_BUNDLE" "$OUT/ca-certificates.crt"
install -m 0644 "$ROOT/configs/gateway.yaml" "$OUT/config.yaml"
echo "prepare-image-context: $OUT ready ($(du -sh "$OUT" | cut -f1))"
