{{/* Pod template shared by the Deployment, StatefulSet, DaemonSet and the sampling tier. */}}
{{- define "otelcol-obtrace.podTemplate" -}}
{{- $agent := eq .Values.mode "agent" -}}
{{- $sampler := eq (include "otelcol-obtrace.tier" .) "sampler" -}}
{{- $stateOnHost := include "otelcol-obtrace.agentStateOnHost" . -}}
{{- $c := .Values.agent.collect -}}
{{- /* kubelet and the container runtime create /var/log/pods/... root-owned, mode 0640: only
  UID 0 can read them (as their owner; no capability is needed or granted). */ -}}
{{- $runAsRoot := and $agent $c.containerLogs -}}
{{- $podSecurityContext := deepCopy .Values.podSecurityContext -}}
{{- $securityContext := deepCopy .Values.securityContext -}}
{{- if $runAsRoot -}}
{{- $podSecurityContext = omit $podSecurityContext "fsGroup" -}}
{{- range $sc := list $podSecurityContext $securityContext -}}
{{- $_ := set $sc "runAsNonRoot" false -}}
{{- $_ = set $sc "runAsUser" 0 -}}
{{- $_ = set $sc "runAsGroup" 0 -}}
{{- end -}}
{{- end -}}
metadata:
  labels:
    {{- include "otelcol-obtrace.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "otelcol-obtrace.configYaml" . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "otelcol-obtrace.serviceAccountName" . }}
  {{- /* k8s_attributes authenticates to the API server with the token. */}}
  automountServiceAccountToken: {{ or .Values.serviceAccount.automountServiceAccountToken (and (not $sampler) (include "otelcol-obtrace.readsKubernetesAPI" .)) }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml $podSecurityContext | nindent 4 }}
  containers:
    - name: otelcol-obtrace
      image: {{ include "otelcol-obtrace.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config=/etc/otelcol-obtrace/config.yaml
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      env:
        {{- if include "otelcol-obtrace.hasApiKey" . }}
        - name: OBTRACE_API_KEY
          valueFrom:
            secretKeyRef:
              name: {{ include "otelcol-obtrace.apiKeySecretName" . }}
              key: {{ .Values.obtrace.apiKey.existingSecretKey }}
        {{- end }}
        {{- if include "otelcol-obtrace.hasGatewayToken" . }}
        - name: {{ include "otelcol-obtrace.gatewayTokenEnv" . }}
          valueFrom:
            secretKeyRef:
              name: {{ include "otelcol-obtrace.gatewayTokenSecretName" . }}
              key: {{ .Values.gatewayToken.existingSecretKey }}
        {{- end }}
        {{- if include "otelcol-obtrace.hasAgentReceiverToken" . }}
        - name: OTELCOL_RECEIVER_TOKEN
          valueFrom:
            secretKeyRef:
              name: {{ include "otelcol-obtrace.agentReceiverTokenSecretName" . }}
              key: {{ .Values.agent.receiverToken.existingSecretKey }}
        {{- end }}
        - name: K8S_NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: spec.nodeName
        - name: K8S_POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: K8S_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        {{- if and $agent .Values.agent.resourceDetection.enabled }}
        # resource_detection's env detector (first) names the node, not the pod
        - name: OTEL_RESOURCE_ATTRIBUTES
          value: host.name=$(K8S_NODE_NAME)
        {{- end }}
        {{- $limit := include "otelcol-obtrace.limitMiB" . }}
        {{- if and .Values.useGOMEMLIMIT $limit }}
        - name: GOMEMLIMIT
          value: {{ printf "%sMiB" $limit | quote }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: otlp-grpc
          containerPort: 4317
          protocol: TCP
          {{- if and (eq .Values.mode "agent") .Values.agent.hostPorts.enabled }}
          hostPort: 4317
          {{- end }}
        {{- if not $sampler }}
        - name: otlp-http
          containerPort: 4318
          protocol: TCP
          {{- if and (eq .Values.mode "agent") .Values.agent.hostPorts.enabled }}
          hostPort: 4318
          {{- end }}
        {{- end }}
        - name: metrics
          containerPort: 8888
          protocol: TCP
        - name: health
          containerPort: 13133
          protocol: TCP
      livenessProbe:
        httpGet:
          path: /
          port: 13133
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      readinessProbe:
        httpGet:
          path: /
          port: 13133
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/otelcol-obtrace
          readOnly: true
        {{- if $stateOnHost }}
        # file_log read positions (filelog/) and the sending queue (queue/), kept on the node
        - name: state
          mountPath: /var/lib/otelcol-obtrace
        {{- else }}
        - name: queue
          mountPath: /var/lib/otelcol-obtrace/queue
        {{- end }}
        {{- if and $agent $c.hostMetrics }}
        - name: hostfs
          mountPath: /hostfs
          readOnly: true
          mountPropagation: HostToContainer
        {{- end }}
        {{- if and $agent $c.containerLogs }}
        - name: varlogpods
          mountPath: /var/log/pods
          readOnly: true
        {{- if $c.dockerContainers }}
        - name: varlibdockercontainers
          mountPath: /var/lib/docker/containers
          readOnly: true
        {{- end }}
        {{- end }}
        {{- if and $agent .Values.agent.hostLogs.enabled }}
        - name: host-logs
          mountPath: /var/log/host
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "otelcol-obtrace.tierName" . }}
        items:
          - key: config.yaml
            path: config.yaml
    {{- if $stateOnHost }}
    - name: state
      hostPath:
        path: {{ printf "%s/%s" (trimSuffix "/" .Values.agent.statePath) (include "otelcol-obtrace.fullname" .) }}
        type: DirectoryOrCreate
    {{- else if or $sampler (ne (include "otelcol-obtrace.workloadKind" .) "StatefulSet") }}
    - name: queue
      {{- if .Values.persistence.emptyDir.sizeLimit }}
      emptyDir:
        sizeLimit: {{ .Values.persistence.emptyDir.sizeLimit }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- end }}
    {{- if and $agent $c.hostMetrics }}
    - name: hostfs
      hostPath:
        path: /
        type: Directory
    {{- end }}
    {{- if and $agent $c.containerLogs }}
    - name: varlogpods
      hostPath:
        path: /var/log/pods
        type: Directory
    {{- if $c.dockerContainers }}
    - name: varlibdockercontainers
      hostPath:
        path: /var/lib/docker/containers
        type: Directory
    {{- end }}
    {{- end }}
    {{- if and $agent .Values.agent.hostLogs.enabled }}
    - name: host-logs
      hostPath:
        path: {{ .Values.agent.hostLogs.path }}
        type: Directory
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml .Values.topologySpreadConstraints | nindent 4 }}
  {{- else if and .Values.defaultTopologySpread (ne .Values.mode "agent") }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "otelcol-obtrace.selectorLabels" . | nindent 10 }}
  {{- end }}
{{- end }}
