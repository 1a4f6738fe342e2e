{{/*
Collector configuration.

The chart builds a default configuration for the selected mode and deep-merges
.Values.config over it (mustMergeOverwrite: maps merge, scalars and lists from
.Values.config win). The API key is never written into the configuration: the
exporter reads ${env:OBTRACE_API_KEY}, which the pod gets from a Secret. The same
holds for the gateway token: the gateway's receivers read ${env:OTELCOL_RECEIVER_TOKEN},
the agent sends ${env:OTELCOL_GATEWAY_TOKEN}; both come from a Secret.

Kept in line with configs/gateway.yaml and configs/agent.yaml (see docs/reliability.md):
no batch processor (it answers clients while data is only in memory); batching happens
in the exporter's sending_queue, after the data is in the persistent queue.
*/}}

{{- define "otelcol-obtrace.memoryLimiterConfig" -}}
{{- $limit := include "otelcol-obtrace.limitMiB" . -}}
check_interval: {{ .Values.memoryLimiter.checkInterval }}
{{- if $limit }}
limit_mib: {{ $limit }}
spike_limit_mib: {{ div (mul (int $limit) (int .Values.memoryLimiter.spikePercentage)) 100 }}
{{- else }}
limit_percentage: {{ .Values.memoryLimiter.limitPercentage }}
spike_limit_percentage: {{ div (mul (int .Values.memoryLimiter.limitPercentage) (int .Values.memoryLimiter.spikePercentage)) 100 }}
{{- end }}
{{- end }}

{{- define "otelcol-obtrace.commonConfig" -}}
extensions:
  health_check:
    endpoint: 0.0.0.0:13133
  file_storage/queue:
    directory: /var/lib/otelcol-obtrace/queue
    create_directory: true
    # only the collector's user may read the queue (its files are created 0600)
    directory_permissions: "0700"
    fsync: true
    timeout: 1s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
      http:
        endpoint: 0.0.0.0:4318
processors:
  # Refuses data with a retryable error before the container hits its memory
  # limit; derived from resources.limits.memory.
  memory_limiter:
    {{- include "otelcol-obtrace.memoryLimiterConfig" . | nindent 4 }}
service:
  extensions:
    - health_check
    - file_storage/queue
  telemetry:
    logs:
      level: info
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 0.0.0.0
                port: 8888
{{- end }}

{{- define "otelcol-obtrace.sendingQueue" -}}
sending_queue:
  enabled: true
  storage: file_storage/queue
  queue_size: {{ .Values.obtrace.sendingQueue.queueSize }}
  num_consumers: {{ .Values.obtrace.sendingQueue.numConsumers }}
  # batches are cut from the persistent queue (no batch processor in front of it)
  batch:
    flush_timeout: 200ms
    sizer: items
    min_size: 8192
retry_on_failure:
  enabled: true
  initial_interval: 1s
  max_interval: 30s
  # keep retrying while the persistent queue applies back-pressure
  max_elapsed_time: 0s
{{- end }}

{{- define "otelcol-obtrace.gatewayConfig" -}}
{{- $o := .Values.obtrace -}}
receivers:
  otlp:
    protocols:
      grpc:
        # No token or a wrong one: gRPC Unauthenticated, nothing is forwarded.
        auth:
          authenticator: bearertokenauth/receivers
      http:
        # No token or a wrong one: HTTP 401, nothing is forwarded.
        auth:
          authenticator: bearertokenauth/receivers
        # Larger bodies are refused with HTTP 400 before they are decoded.
        max_request_body_size: 20971520
extensions:
  bearertokenauth/receivers:
    token: ${env:OTELCOL_RECEIVER_TOKEN}
processors:
  semanticmetrics:
    mode: warn
    report_interval: 60s
exporters:
  obtrace:
    api_key: ${env:OBTRACE_API_KEY}
    {{- with $o.endpoint }}
    endpoint: {{ . | quote }}
    {{- end }}
    {{- with $o.tenantId }}
    tenant_id: {{ . | quote }}
    {{- end }}
    {{- with $o.projectId }}
    project_id: {{ . | quote }}
    {{- end }}
    {{- with $o.appId }}
    app_id: {{ . | quote }}
    {{- end }}
    {{- with $o.env }}
    env: {{ . | quote }}
    {{- end }}
    {{- with $o.compression }}
    compression: {{ . | quote }}
    {{- end }}
    {{- with $o.timeout }}
    timeout: {{ . | quote }}
    {{- end }}
    {{- with $o.headers }}
    headers:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- include "otelcol-obtrace.sendingQueue" . | nindent 4 }}
service:
  extensions:
    - bearertokenauth/receivers
    - health_check
    - file_storage/queue
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [obtrace]
    metrics:
      receivers: [otlp]
      processors: [memory_limiter, semanticmetrics]
      exporters: [obtrace]
    logs:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [obtrace]
{{- end }}

{{- define "otelcol-obtrace.agentConfig" -}}
{{- if not .Values.agent.gatewayEndpoint -}}
{{- fail "agent.gatewayEndpoint is required in agent mode (the OTLP/gRPC address of the gateway Service, e.g. otelcol-obtrace-gateway.observability.svc.cluster.local:4317)" -}}
{{- end -}}
processors:
  # hostmetrics, resourcedetection and k8sattributes are not in this
  # distribution: the node's identity comes from the downward API.
  resource/node:
    attributes:
      - key: k8s.node.name
        value: ${env:K8S_NODE_NAME}
        action: insert
      - key: host.name
        value: ${env:K8S_NODE_NAME}
        action: insert
exporters:
  otlp/gateway:
    endpoint: {{ .Values.agent.gatewayEndpoint | quote }}
    tls:
      insecure: {{ .Values.agent.gatewayInsecure }}
    # A plain header rather than the bearertokenauth extension: the extension refuses to
    # send a token over a connection without TLS (the default in-cluster hop).
    headers:
      authorization: Bearer ${env:OTELCOL_GATEWAY_TOKEN}
    {{- include "otelcol-obtrace.sendingQueue" . | nindent 4 }}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, resource/node]
      exporters: [otlp/gateway]
    metrics:
      receivers: [otlp]
      processors: [memory_limiter, resource/node]
      exporters: [otlp/gateway]
    logs:
      receivers: [otlp]
      processors: [memory_limiter, resource/node]
      exporters: [otlp/gateway]
{{- end }}

{{/* The final configuration as a dict. */}}
{{- define "otelcol-obtrace.configDict" -}}
{{- $base := include "otelcol-obtrace.commonConfig" . | fromYaml -}}
{{- if eq .Values.mode "agent" -}}
{{- $base = mustMergeOverwrite $base (include "otelcol-obtrace.agentConfig" . | fromYaml) -}}
{{- else -}}
{{- if not (include "otelcol-obtrace.hasApiKey" .) -}}
{{- fail "gateway mode needs an Obtrace API key: set obtrace.apiKey.existingSecret (+ obtrace.apiKey.existingSecretKey) or obtrace.apiKey.value" -}}
{{- end -}}
{{- $base = mustMergeOverwrite $base (include "otelcol-obtrace.gatewayConfig" . | fromYaml) -}}
{{- end -}}
{{- if not (include "otelcol-obtrace.hasGatewayToken" .) -}}
{{- if eq .Values.mode "agent" -}}
{{- fail "agent mode needs the gateway's receiver token: set gatewayToken.existingSecret (+ gatewayToken.existingSecretKey) or gatewayToken.value (the gateway refuses OTLP without it)" -}}
{{- else -}}
{{- fail "gateway mode needs a receiver token (clients send Authorization: Bearer <token>): set gatewayToken.existingSecret (+ gatewayToken.existingSecretKey) or gatewayToken.value" -}}
{{- end -}}
{{- end -}}
{{- $merged := mustMergeOverwrite $base (deepCopy (.Values.config | default dict)) -}}
{{- toYaml $merged -}}
{{- end }}

{{/* The exact text stored under config.yaml in the ConfigMap. */}}
{{- define "otelcol-obtrace.configYaml" -}}
{{- include "otelcol-obtrace.configDict" . -}}
{{- end }}
