{{/*
Collector configuration.

The chart builds a default configuration for the selected mode and deep-merges
.Values.config over it (mustMergeOverwrite: maps merge, scalars and lists from
.Values.config win). The API key is never written into the configuration: the
exporter reads ${env:OBTRACE_API_KEY}, which the pod gets from a Secret. The same
holds for the gateway token: the gateway's receivers read ${env:OTELCOL_RECEIVER_TOKEN},
the agent sends ${env:OTELCOL_GATEWAY_TOKEN}; both come from a Secret.

Kept in line with configs/gateway.yaml, configs/agent.yaml and configs/gateway-tailsampling.yaml
(see docs/reliability.md):
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

{{- define "otelcol-obtrace.otlpReceiver" -}}
otlp:
  protocols:
    grpc:
      endpoint: 0.0.0.0:4317
      # otlpguard refuses AnyValue nesting deeper than 64 (InvalidArgument) before decoding.
      middlewares:
        - id: otlpguard
      # the agent sends up to 4096 items a request (4-10 MiB); gRPC's default is 4 MiB
      max_recv_msg_size_mib: 20
      {{- if .auth }}
      # No token or a wrong one: gRPC Unauthenticated before the message is read.
      auth:
        authenticator: otlpguard
      {{- end }}
    {{- if .http }}
    http:
      endpoint: 0.0.0.0:4318
      middlewares:
        - id: otlpguard
      {{- if .auth }}
      # No token or a wrong one: HTTP 401, nothing is forwarded.
      auth:
        authenticator: otlpguard
      {{- end }}
      # Larger bodies are refused with HTTP 400 before they are decoded.
      max_request_body_size: 20971520
    {{- end }}
{{- end }}

{{/* The receivers' pre-decode guard (otlpguardextension); with auth, it asks bearertokenauth/receivers
     and counts refusals. */}}
{{- define "otelcol-obtrace.guardExtension" -}}
{{- if .auth }}
otlpguard:
  authenticator: bearertokenauth/receivers
{{- else }}
otlpguard: {}
{{- end }}
{{- end }}

{{/* The receivers' token check; the token only ever comes from the environment. */}}
{{- define "otelcol-obtrace.receiverAuthExtension" -}}
bearertokenauth/receivers:
  token: ${env:OTELCOL_RECEIVER_TOKEN}
{{- end }}

{{- define "otelcol-obtrace.obtraceExporter" -}}
{{- $o := .Values.obtrace -}}
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
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- include "otelcol-obtrace.sendingQueue" . | nindent 2 }}
  # What ingest refuses for good (a wrong key, 400, 500 after its retries) is kept beside the
  # queue with its status and reason, and resent at start, every 10 minutes and on SIGUSR1.
  dead_letter:
    directory: /var/lib/otelcol-obtrace/queue/dead-letter
{{- end }}

{{/* Whether this release runs k8s_attributes (then it needs RBAC and the SA token). */}}
{{- define "otelcol-obtrace.k8sAttributesEnabled" -}}
{{- if eq .Values.mode "agent" }}{{ if .Values.agent.k8sAttributes.enabled }}true{{ end }}
{{- else if .Values.gateway.k8sAttributes.enabled }}true{{ end }}
{{- end }}

{{/* Whether this release reads the Kubernetes API at all (k8s_attributes). */}}
{{- define "otelcol-obtrace.readsKubernetesAPI" -}}
{{- include "otelcol-obtrace.k8sAttributesEnabled" . }}
{{- end }}

{{/*
k8s_attributes. Agent: the pods of its own node only. Gateway: every pod. Association: the
k8s.pod.ip / k8s.pod.uid resource attributes (set by agents, SDKs or the container log parser),
then the connection's address. The processor never overwrites a non-empty attribute, so what a
service set wins.
*/}}
{{- define "otelcol-obtrace.k8sAttributesProcessor" -}}
{{- $k := .Values.k8sAttributes -}}
k8s_attributes:
  auth_type: serviceAccount
  passthrough: false
  {{- if eq .Values.mode "agent" }}
  filter:
    node_from_env_var: K8S_NODE_NAME
  {{- end }}
  pod_delete_grace_period: {{ $k.podDeleteGracePeriod }}
  extract:
    metadata:
      - k8s.namespace.name
      - k8s.pod.name
      - k8s.pod.uid
      - k8s.pod.start_time
      - k8s.deployment.name
      - k8s.statefulset.name
      - k8s.daemonset.name
      - k8s.replicaset.name
      - k8s.job.name
      - k8s.cronjob.name
      - k8s.node.name
      {{- if eq .Values.mode "agent" }}
      # for container logs, which carry k8s.container.name (from the log file's path)
      - container.image.name
      - container.image.tag
      {{- end }}
    {{- with $k.podLabels }}
    labels:
      {{- range $tag, $key := . }}
      - tag_name: {{ $tag | quote }}
        key: {{ $key | quote }}
        from: pod
      {{- end }}
    {{- end }}
  pod_association:
    {{- /* container logs carry k8s.pod.uid (the agent looks it up first); agents and SDKs set k8s.pod.ip */}}
    {{- $ip := dict "from" "resource_attribute" "name" "k8s.pod.ip" }}
    {{- $uid := dict "from" "resource_attribute" "name" "k8s.pod.uid" }}
    {{- $first := ternary $uid $ip (eq .Values.mode "agent") }}
    {{- $second := ternary $ip $uid (eq .Values.mode "agent") }}
    - sources:
        - {{ toJson $first }}
    - sources:
        - {{ toJson $second }}
    - sources:
        - from: connection
  {{- with $k.excludePods }}
  exclude:
    pods:
      {{- range . }}
      - name: {{ . | quote }}
      {{- end }}
  {{- end }}
{{- end }}

{{- define "otelcol-obtrace.gatewayConfig" -}}
{{- $k8s := include "otelcol-obtrace.k8sAttributesEnabled" . -}}
{{- $procs := list "memory_limiter" -}}
{{- if $k8s }}{{ $procs = append $procs "k8s_attributes" }}{{ end -}}
receivers:
  {{- include "otelcol-obtrace.otlpReceiver" (dict "auth" true "http" true) | nindent 2 }}
extensions:
  {{- include "otelcol-obtrace.receiverAuthExtension" . | nindent 2 }}
  {{- include "otelcol-obtrace.guardExtension" (dict "auth" true) | nindent 2 }}
processors:
  semanticmetrics:
    mode: warn
    report_interval: 60s
  {{- if $k8s }}
  {{- include "otelcol-obtrace.k8sAttributesProcessor" . | nindent 2 }}
  {{- end }}
exporters:
  {{- include "otelcol-obtrace.obtraceExporter" . | nindent 2 }}
  {{- if .Values.tailSampling.enabled }}
  # Traces go to the sampling tier, routed by trace ID so that every span of a trace reaches the
  # same sampling pod. The queue is here, persistent, and retries re-route when the set of
  # sampling pods changes; the per-pod otlp exporters neither queue nor retry.
  load_balancing:
    routing_key: traceID
    protocol:
      otlp:
        timeout: 10s
        tls:
          insecure: true
        # The sampling tier checks the same token as this tier's receivers.
        headers:
          authorization: Bearer ${env:OTELCOL_RECEIVER_TOKEN}
        sending_queue:
          enabled: false
        retry_on_failure:
          enabled: false
    resolver:
      dns:
        hostname: {{ printf "%s-headless.%s.svc.cluster.local" (include "otelcol-obtrace.samplerName" .) .Release.Namespace }}
        port: "4317"
        interval: {{ .Values.tailSampling.resolverInterval }}
        timeout: 1s
    {{- include "otelcol-obtrace.sendingQueue" . | nindent 4 }}
  {{- end }}
service:
  extensions:
    - bearertokenauth/receivers
    - otlpguard
    - health_check
    - file_storage/queue
  pipelines:
    traces:
      receivers: [otlp]
      processors: {{ toJson $procs }}
      exporters: [{{ if .Values.tailSampling.enabled }}load_balancing{{ else }}obtrace{{ end }}]
    metrics:
      receivers: [otlp]
      processors: {{ append $procs "semanticmetrics" | toJson }}
      exporters: [obtrace]
    logs:
      receivers: [otlp]
      processors: {{ toJson $procs }}
      exporters: [obtrace]
{{- end }}

{{/*
The sampling tier (sampler) of tailSampling: OTLP/gRPC from the front tier only (same token), whole traces
held for decisionWait, kept when any policy keeps them, exported to Obtrace. k8s metadata was
added by the front tier.
*/}}
{{- define "otelcol-obtrace.samplingConfig" -}}
{{- $ts := .Values.tailSampling -}}
{{- $p := $ts.policies -}}
receivers:
  {{- include "otelcol-obtrace.otlpReceiver" (dict "auth" true "http" false) | nindent 2 }}
extensions:
  {{- include "otelcol-obtrace.receiverAuthExtension" . | nindent 2 }}
  {{- include "otelcol-obtrace.guardExtension" (dict "auth" true) | nindent 2 }}
processors:
  tail_sampling:
    decision_wait: {{ $ts.decisionWait }}
    num_traces: {{ $ts.numTraces }}
    expected_new_traces_per_sec: {{ $ts.expectedNewTracesPerSec }}
    # Spans that arrive after the decision get the same one.
    decision_cache:
      sampled_cache_size: {{ $ts.numTraces }}
      non_sampled_cache_size: {{ $ts.numTraces }}
    policies:
      {{- if $p.errors }}
      - name: errors
        type: status_code
        status_code:
          status_codes: [ERROR]
      {{- end }}
      {{- with $p.latencyThreshold }}
      - name: slow
        type: latency
        latency:
          threshold_ms: {{ include "otelcol-obtrace.durationToMs" . }}
      {{- end }}
      {{- if gt (float64 $p.probabilisticPercentage) 0.0 }}
      - name: share
        type: probabilistic
        probabilistic:
          sampling_percentage: {{ $p.probabilisticPercentage }}
      {{- end }}
      {{- with $p.extra }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
exporters:
  {{- include "otelcol-obtrace.obtraceExporter" . | nindent 2 }}
service:
  extensions:
    - bearertokenauth/receivers
    - otlpguard
    - health_check
    - file_storage/queue
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, tail_sampling]
      exporters: [obtrace]
{{- end }}

{{- define "otelcol-obtrace.agentConfig" -}}
{{- if not .Values.agent.gatewayEndpoint -}}
{{- fail "agent.gatewayEndpoint is required in agent mode (the OTLP/gRPC address of the gateway Service, e.g. otelcol-obtrace-gateway.observability.svc.cluster.local:4317)" -}}
{{- end -}}
{{- $c := .Values.agent.collect -}}
{{- if not (or $c.otlp $c.hostMetrics $c.containerLogs) -}}
{{- fail "agent mode collects nothing: turn on at least one of agent.collect.otlp, agent.collect.hostMetrics, agent.collect.containerLogs" -}}
{{- end -}}
{{- $auth := include "otelcol-obtrace.hasAgentReceiverToken" . -}}
{{- $procs := list "memory_limiter" -}}
{{- if .Values.agent.k8sAttributes.enabled }}{{ $procs = append $procs "k8s_attributes" }}{{ end -}}
{{- if .Values.agent.resourceDetection.enabled }}{{ $procs = append $procs "resource_detection" }}{{ end -}}
{{- $procs = append $procs "resource/node" -}}
{{- $otlp := list -}}{{- if $c.otlp }}{{ $otlp = list "otlp" }}{{ end -}}
{{- $metrics := $otlp -}}
{{- /* host_metrics has a pipeline of its own: normalized to the current semantic conventions on the
       node (as configs/agent.yaml), without k8s_attributes (no pod to associate) */ -}}
{{- $hostProcs := list "memory_limiter" -}}
{{- if .Values.agent.resourceDetection.enabled }}{{ $hostProcs = append $hostProcs "resource_detection" }}{{ end -}}
{{- $hostProcs = concat $hostProcs (list "resource/node" "semanticmetrics/host") -}}
{{- $logs := $otlp -}}{{- if $c.containerLogs }}{{ $logs = append $logs "file_log/pods" }}{{ end -}}
{{- if or $c.otlp $c.hostMetrics $c.containerLogs }}
receivers:
  {{- if $c.otlp }}
  {{- include "otelcol-obtrace.otlpReceiver" (dict "auth" $auth "http" true) | nindent 2 }}
  {{- end }}
  {{- if $c.hostMetrics }}
  # The host's root is mounted read-only at /hostfs; the scrapers read /hostfs/proc, /hostfs/sys
  # and the host's mounts from there.
  host_metrics:
    root_path: /hostfs
    collection_interval: {{ $c.hostMetricsInterval }}
    scrapers:
      cpu: {}
      memory: {}
      load: {}
      disk: {}
      network: {}
      paging: {}
      filesystem:
        exclude_mount_points:
          match_type: regexp
          mount_points: ["/dev/.*", "/proc/.*", "/sys/.*", "/run/.*", "/var/lib/docker/.*", "/var/lib/containerd/.*", "/var/lib/kubelet/.*", "/snap/.*"]
        exclude_fs_types:
          match_type: strict
          fs_types: [autofs, binfmt_misc, bpf, cgroup, cgroup2, configfs, debugfs, devpts, devtmpfs, fusectl, hugetlbfs, iso9660, mqueue, nsfs, overlay, proc, procfs, pstore, rpc_pipefs, securityfs, selinuxfs, squashfs, sysfs, tmpfs, tracefs]
  {{- end }}
  {{- if $c.containerLogs }}
  # Every container's log on this node except this agent's own (no feedback loop). A new file is
  # read from its start; the read positions in file_storage/filelog on the node (agent.statePath)
  # make a restarted pod resume where it stopped.
  file_log/pods:
    include: [/var/log/pods/*/*/*.log]
    exclude: [{{ printf "/var/log/pods/%s_%s-*_*/otelcol-obtrace/*.log" .Release.Namespace (include "otelcol-obtrace.fullname" .) | quote }}]
    start_at: beginning
    include_file_path: true
    include_file_name: false
    storage: file_storage/filelog
    max_log_size: {{ $c.maxLogSize }}
    max_concurrent_files: {{ $c.maxConcurrentFiles }}
    # a single line longer than max_log_size is cut; back-pressure from the queue pauses reading
    retry_on_failure:
      enabled: true
    operators:
      # docker, cri-o and containerd line formats; sets k8s.pod.name, k8s.pod.uid,
      # k8s.namespace.name, k8s.container.name from the path
      - type: container
        id: container-parser
  {{- end }}
{{- end }}
extensions:
  {{- include "otelcol-obtrace.guardExtension" (dict "auth" $auth) | nindent 2 }}
  {{- if $auth }}
  {{- include "otelcol-obtrace.receiverAuthExtension" . | nindent 2 }}
  {{- end }}
  {{- if $c.containerLogs }}
  file_storage/filelog:
    directory: /var/lib/otelcol-obtrace/filelog
    create_directory: true
    directory_permissions: "0700"
    fsync: true
    timeout: 1s
  {{- end }}
processors:
  {{- if .Values.agent.k8sAttributes.enabled }}
  {{- include "otelcol-obtrace.k8sAttributesProcessor" . | nindent 2 }}
  {{- end }}
  {{- if .Values.agent.resourceDetection.enabled }}
  resource_detection:
    # no k8s_api detector: it needs the API server already when the pipeline is built (even
    # `validate` fails outside a cluster); k8s_attributes and resource/node name the node
    detectors: [env, system]
    override: false
    timeout: 5s
    # host.name: the pod gets OTEL_RESOURCE_ATTRIBUTES=host.name=<node>, so the env detector (first)
    # names the node, not the pod
    system:
      # the kernel's host name only: no DNS look-up at start
      hostname_sources: [os]
  {{- end }}
  {{- if $c.hostMetrics }}
  # host_metrics v0.160.0 still emits some names and units the semantic conventions have since
  # changed (system.network.packets → system.network.packet.count, {operations} → {operation}):
  # normalized here, exact renames only.
  semanticmetrics/host:
    mode: normalize
    report_interval: 0s
  {{- end }}
  # The node's name from the downward API, never overwriting what a service set (or what
  # resource_detection found).
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
  extensions:
    {{- if $auth }}
    - bearertokenauth/receivers
    {{- end }}
    - otlpguard
    - health_check
    - file_storage/queue
    {{- if $c.containerLogs }}
    - file_storage/filelog
    {{- end }}
  pipelines:
    {{- if $c.otlp }}
    traces:
      receivers: [otlp]
      processors: {{ toJson $procs }}
      exporters: [otlp/gateway]
    {{- end }}
    {{- if $metrics }}
    metrics:
      receivers: {{ toJson $metrics }}
      processors: {{ toJson $procs }}
      exporters: [otlp/gateway]
    {{- end }}
    {{- if $c.hostMetrics }}
    metrics/host:
      receivers: [host_metrics]
      processors: {{ toJson $hostProcs }}
      exporters: [otlp/gateway]
    {{- end }}
    {{- if $logs }}
    logs:
      receivers: {{ toJson $logs }}
      processors: {{ toJson $procs }}
      exporters: [otlp/gateway]
    {{- end }}
{{- end }}

{{/* The final configuration as a dict. */}}
{{- define "otelcol-obtrace.configDict" -}}
{{- $base := include "otelcol-obtrace.commonConfig" . | fromYaml -}}
{{- if eq (include "otelcol-obtrace.tier" .) "sampler" -}}
{{- $base = mustMergeOverwrite $base (include "otelcol-obtrace.samplingConfig" . | fromYaml) -}}
{{- else if eq .Values.mode "agent" -}}
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
{{- $override := .Values.config -}}
{{- if eq (include "otelcol-obtrace.tier" .) "sampler" }}{{ $override = .Values.tailSampling.config }}{{ end -}}
{{- $merged := mustMergeOverwrite $base (deepCopy ($override | default dict)) -}}
{{- toYaml $merged -}}
{{- end }}

{{/* The exact text stored under config.yaml in the ConfigMap. */}}
{{- define "otelcol-obtrace.configYaml" -}}
{{- include "otelcol-obtrace.configDict" . -}}
{{- end }}
