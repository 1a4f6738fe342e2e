{{/* Pod template shared by the Deployment, StatefulSet and DaemonSet. */}}
{{- define "otelcol-obtrace.podTemplate" -}}
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
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
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
        - name: otlp-http
          containerPort: 4318
          protocol: TCP
          {{- if and (eq .Values.mode "agent") .Values.agent.hostPorts.enabled }}
          hostPort: 4318
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
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/otelcol-obtrace
          readOnly: true
        - name: queue
          mountPath: /var/lib/otelcol-obtrace/queue
        {{- if and (eq .Values.mode "agent") .Values.agent.hostLogs.enabled }}
        - name: host-logs
          mountPath: /var/log/host
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "otelcol-obtrace.fullname" . }}
        items:
          - key: config.yaml
            path: config.yaml
    {{- if not (eq (include "otelcol-obtrace.workloadKind" .) "StatefulSet") }}
    - name: queue
      {{- if .Values.persistence.emptyDir.sizeLimit }}
      emptyDir:
        sizeLimit: {{ .Values.persistence.emptyDir.sizeLimit }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- end }}
    {{- if and (eq .Values.mode "agent") .Values.agent.hostLogs.enabled }}
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
