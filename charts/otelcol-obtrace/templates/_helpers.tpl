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

{{- define "otelcol-obtrace.selectorLabels" -}}
app.kubernetes.io/name: {{ include "otelcol-obtrace.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.mode }}
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
