# otelcol-obtrace container image.
#
# Default target (the last stage, "image"): a FROM-scratch runtime image made from a binary that
# was built outside (CGO_ENABLED=0, static, -trimpath). Needs no registry: prepare the context with
#
#   build/prepare-image-context.sh .build/otelcol-obtrace     # fills .build/image/
#   docker build -t otelcol-obtrace:0.1.0 .                   # or: buildah bud -t ... .
#
# From source, in a pinned Go image (needs the registry and the Go module proxy):
#
#   docker build --target image-from-source -t otelcol-obtrace:0.1.0 .
#
# The version is the literal ocb writes from builder-config.yaml (dist.version); `--version` prints it.
# Both runtime stages are identical: non-root 10001:10001, CA bundle, default gateway config at
# /etc/otelcol-obtrace/config.yaml (override with `docker run IMAGE --config=/path`), a writable
# persistent-queue directory /var/lib/otelcol-obtrace/queue.

# ---- from source --------------------------------------------------------------------------------
FROM golang:1.26.8-bookworm AS build-from-source
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# module downloads first, cached while only sources change
COPY go.mod go.sum ./
COPY otelcol-obtrace/go.mod otelcol-obtrace/go.sum ./otelcol-obtrace/
RUN cd otelcol-obtrace && go mod download
COPY . .
RUN cd otelcol-obtrace \
 && go build -trimpath -ldflags="-s -w" -o /out/otelcol-obtrace . \
 && /out/otelcol-obtrace --version \
 && cp /etc/ssl/certs/ca-certificates.crt /out/ca-certificates.crt \
 && cp /src/configs/gateway.yaml /out/config.yaml \
 && mkdir -p /out/queue

FROM scratch AS image-from-source
COPY --from=build-from-source /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build-from-source /out/config.yaml /etc/otelcol-obtrace/config.yaml
COPY --from=build-from-source --chown=10001:10001 /out/queue/ /var/lib/otelcol-obtrace/queue/
COPY --from=build-from-source /out/otelcol-obtrace /otelcol-obtrace
USER 10001:10001
EXPOSE 4317 4318 13133 8888
ENTRYPOINT ["/otelcol-obtrace"]
CMD ["--config=/etc/otelcol-obtrace/config.yaml"]

# ---- default: prebuilt binary, no pull ----------------------------------------------------------
FROM scratch AS image
LABEL org.opencontainers.image.title="otelcol-obtrace" \
      org.opencontainers.image.description="Obtrace distribution of the OpenTelemetry Collector" \
      org.opencontainers.image.source="https://github.com/obtraceai/otelcol-obtrace"
COPY .build/image/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY .build/image/config.yaml /etc/otelcol-obtrace/config.yaml
COPY --chown=10001:10001 .build/image/queue/ /var/lib/otelcol-obtrace/queue/
COPY .build/image/otelcol-obtrace /otelcol-obtrace
USER 10001:10001
EXPOSE 4317 4318 13133 8888
ENTRYPOINT ["/otelcol-obtrace"]
CMD ["--config=/etc/otelcol-obtrace/config.yaml"]
