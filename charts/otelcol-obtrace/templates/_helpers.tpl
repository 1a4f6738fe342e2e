{{/* Chart name. */}}
{{- define "otelcol-obtrace.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name (release-scoped). */}}
{{- define "otelcol-obtrace.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "otelcol-obtrace.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The tier a template renders: "" for the release's main workload, "sampler" for the sampling
tier of tailSampling (templates/*-sampling.yaml call the shared templates with the context made
by otelcol-obtrace.samplerContext).
*/}}
{{- define "otelcol-obtrace.tier" -}}
{{- with .Tier }}{{ . }}{{ end }}
{{- end }}

{{/* Name of the sampling tier's objects. */}}
{{- define "otelcol-obtrace.samplerName" -}}
{{- printf "%s-sampler" (include "otelcol-obtrace.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the tier's workload, ConfigMap and Services. */}}
{{- define "otelcol-obtrace.tierName" -}}
{{- if eq (include "otelcol-obtrace.tier" .) "sampler" }}{{ include "otelcol-obtrace.samplerName" . }}
{{- else }}{{ include "otelcol-obtrace.fullname" . }}{{ end }}
{{- end }}

{{/*
Fills .out with the context the sampling tier renders with: the release's (.root), with the
tier's own resources and replica count, no autoscaling, no persistence, and Tier set. A helper
can only return text, so it fills a dict the caller passes.
*/}}
{{- define "otelcol-obtrace.samplerContext" -}}
{{- $root := .root -}}
{{- $v := deepCopy $root.Values -}}
{{- $_ := set $v "resources" (deepCopy $root.Values.tailSampling.resources) -}}
{{- $_ = set $v "replicaCount" $root.Values.tailSampling.replicas -}}
{{- $_ = set $v "autoscaling" (dict "enabled" false) -}}
{{- $_ = set $v "persistence" (set (deepCopy $root.Values.persistence) "enabled" false) -}}
{{- range $k := list "Release" "Chart" "Capabilities" "Template" "Files" -}}
{{- $_ = set $.out $k (get $root $k) -}}
{{- end -}}
{{- $_ = set .out "Values" $v -}}
{{- $_ = set .out "Tier" "sampler" -}}
{{- end }}

{{- define "otelcol-obtrace.selectorLabels" -}}
app.kubernetes.io/name: {{ include "otelcol-obtrace.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "otelcol-obtrace.tier" . | default .Values.mode }}
{{- end }}

{{- define "otelcol-obtrace.labels" -}}
helm.sh/chart: {{ include "otelcol-obtrace.chart" . }}
{{ include "otelcol-obtrace.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: otelcol-obtrace
{{- end }}

{{- define "otelcol-obtrace.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "otelcol-obtrace.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "otelcol-obtrace.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end }}

{{/* Whether the pod gets OBTRACE_API_KEY. */}}
{{- define "otelcol-obtrace.hasApiKey" -}}
{{- if or .Values.obtrace.apiKey.existingSecret .Values.obtrace.apiKey.value }}true{{ end }}
{{- end }}

{{/* Name of the Secret holding the API key. */}}
{{- define "otelcol-obtrace.apiKeySecretName" -}}
{{- if .Values.obtrace.apiKey.existingSecret }}
{{- .Values.obtrace.apiKey.existingSecret }}
{{- else }}
{{- printf "%s-api-key" (include "otelcol-obtrace.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Whether the pod gets the gateway token (OTELCOL_RECEIVER_TOKEN / OTELCOL_GATEWAY_TOKEN). */}}
{{- define "otelcol-obtrace.hasGatewayToken" -}}
{{- if or .Values.gatewayToken.existingSecret .Values.gatewayToken.value }}true{{ end }}
{{- end }}

{{/* Name of the Secret holding the gateway token. */}}
{{- define "otelcol-obtrace.gatewayTokenSecretName" -}}
{{- if .Values.gatewayToken.existingSecret }}
{{- .Values.gatewayToken.existingSecret }}
{{- else }}
{{- printf "%s-token" (include "otelcol-obtrace.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Environment variable carrying the gateway token: the gateway's receivers check
OTELCOL_RECEIVER_TOKEN, the agent sends OTELCOL_GATEWAY_TOKEN (as configs/). */}}
{{- define "otelcol-obtrace.gatewayTokenEnv" -}}
{{- if eq .Values.mode "agent" }}OTELCOL_GATEWAY_TOKEN{{ else }}OTELCOL_RECEIVER_TOKEN{{ end }}
{{- end }}

{{/* Whether the agent's own OTLP receivers require a bearer token (agent.receiverToken). */}}
{{- define "otelcol-obtrace.hasAgentReceiverToken" -}}
{{- if and (eq .Values.mode "agent") (or .Values.agent.receiverToken.existingSecret .Values.agent.receiverToken.value) }}true{{ end }}
{{- end }}

{{/* Name of the Secret holding the agent's receiver token. */}}
{{- define "otelcol-obtrace.agentReceiverTokenSecretName" -}}
{{- if .Values.agent.receiverToken.existingSecret }}
{{- .Values.agent.receiverToken.existingSecret }}
{{- else }}
{{- printf "%s-receiver-token" (include "otelcol-obtrace.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Whether the agent mounts host directories (and so needs Pod Security "privileged"). */}}
{{- define "otelcol-obtrace.agentReadsHost" -}}
{{- if and (eq .Values.mode "agent") (or .Values.agent.collect.hostMetrics .Values.agent.collect.containerLogs .Values.agent.hostLogs.enabled) }}true{{ end }}
{{- end }}

{{/* Whether the agent keeps its state (file_log positions, queue) on the node. */}}
{{- define "otelcol-obtrace.agentStateOnHost" -}}
{{- if and (eq .Values.mode "agent") .Values.agent.collect.containerLogs }}true{{ end }}
{{- end }}

{{/* A duration of whole ms, s or m (values.schema.json allows only those) in milliseconds. */}}
{{- define "otelcol-obtrace.durationToMs" -}}
{{- $n := regexFind "^[0-9]+" . | int -}}
{{- $unit := trimPrefix (toString $n) . -}}
{{- if eq $unit "ms" }}{{ $n }}{{ else if eq $unit "s" }}{{ mul $n 1000 }}{{ else if eq $unit "m" }}{{ mul $n 60000 }}
{{- else }}{{ fail (printf "tailSampling.policies.latencyThreshold %q: use whole ms, s or m (e.g. 500ms, 2s, 1m)" .) }}{{ end -}}
{{- end }}

{{/* The gateway uses a StatefulSet when the persistent queue is enabled. */}}
{{- define "otelcol-obtrace.workloadKind" -}}
{{- if eq .Values.mode "agent" }}DaemonSet
{{- else if .Values.persistence.enabled }}StatefulSet
{{- else }}Deployment
{{- end }}
{{- end }}

{{/*
Convert a Kubernetes memory quantity (512Mi, 1Gi, 1G, 500M, 1073741824, ...)
to whole MiB, rounded down.
*/}}
{{- define "otelcol-obtrace.memoryToMiB" -}}
{{- $q := toString . | trim -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- if not $num -}}
{{- fail (printf "resources.limits.memory %q is not a memory quantity (examples: 512Mi, 1Gi, 1G)" $q) -}}
{{- end -}}
{{- $unit := trimPrefix $num $q -}}
{{- $factors := dict "" (divf 1 1048576) "Ki" (divf 1 1024) "Mi" 1.0 "Gi" 1024.0 "Ti" 1048576.0 "k" (divf 1000 1048576) "M" (divf 1000000 1048576) "G" (divf 1000000000 1048576) "T" (divf 1000000000000 1048576) -}}
{{- if not (hasKey $factors $unit) -}}
{{- fail (printf "resources.limits.memory %q: unsupported unit %q (use Ki, Mi, Gi, Ti, k, M, G, T or bytes)" $q $unit) -}}
{{- end -}}
{{- mulf (float64 $num) (get $factors $unit) | floor | int -}}
{{- end }}

{{/* memory_limiter limit_mib ("" when there is no memory limit). */}}
{{- define "otelcol-obtrace.limitMiB" -}}
{{- $limits := (.Values.resources | default dict).limits | default dict -}}
{{- if $limits.memory -}}
{{- $mib := include "otelcol-obtrace.memoryToMiB" $limits.memory | int -}}
{{- div (mul $mib (int .Values.memoryLimiter.limitPercentage)) 100 -}}
{{- end -}}
{{- end }}
