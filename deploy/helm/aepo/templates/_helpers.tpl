{{/* Chart name, truncated to the 63 characters of a label value. */}}
{{- define "aepo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release>-<chart> unless the release name already contains the chart name. */}}
{{- define "aepo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "aepo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Recommended labels; call with (dict "ctx" $ "component" "api"). */}}
{{- define "aepo.labels" -}}
helm.sh/chart: {{ include "aepo.chart" .ctx }}
{{ include "aepo.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: aepo
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "aepo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aepo.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "aepo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aepo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "aepo.secretName" -}}
{{- default (printf "%s-credentials" (include "aepo.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* image reference; call with (dict "ctx" $ "image" .Values.api.image). */}}
{{- define "aepo.image" -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{- define "aepo.apiAddress" -}}
{{- printf "%s-api.%s.svc:%d" (include "aepo.fullname" .) .Release.Namespace (int .Values.api.grpcPort) -}}
{{- end -}}

{{/* Secret of the API certificate (tls.crt, tls.key, ca.crt) and of the executors' client certificate. */}}
{{- define "aepo.apiTlsSecretName" -}}
{{- default (printf "%s-api-tls" (include "aepo.fullname" .)) .Values.tls.secretName -}}
{{- end -}}

{{- define "aepo.executorTlsSecretName" -}}
{{- default (printf "%s-executor-tls" (include "aepo.fullname" .)) .Values.tls.executorSecretName -}}
{{- end -}}

{{/* Where the pods mount their TLS files. */}}
{{- define "aepo.tlsDir" -}}/etc/aepo/tls{{- end -}}

{{/* Environment of an API container: the settings of values (one place), then the secrets. */}}
{{- define "aepo.apiEnv" -}}
- name: AEPO_API_GRPC_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.api.grpcPort) | quote }}
- name: AEPO_API_HTTP_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.api.httpPort) | quote }}
- name: AEPO_API_SHUTDOWN_GRACE_MS
  value: {{ mul (sub (int .Values.api.terminationGracePeriodSeconds) 5 | max 1) 1000 | quote }}
{{- if .Values.tls.enabled }}
- name: AEPO_API_TLS_CERT_FILE
  value: {{ printf "%s/tls.crt" (include "aepo.tlsDir" .) | quote }}
- name: AEPO_API_TLS_KEY_FILE
  value: {{ printf "%s/tls.key" (include "aepo.tlsDir" .) | quote }}
- name: AEPO_API_TLS_RELOAD_SECONDS
  value: {{ .Values.tls.reloadSeconds | quote }}
{{- if .Values.tls.requireExecutorClientCert }}
- name: AEPO_API_TLS_CLIENT_CA_FILE
  value: {{ printf "%s/ca.crt" (include "aepo.tlsDir" .) | quote }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.api.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "aepo.secretName" . }}
      key: {{ .Values.secrets.databaseUrlKey }}
- name: AEPO_EXECUTOR_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "aepo.secretName" . }}
      key: {{ .Values.secrets.executorTokenKey }}
- name: AEPO_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "aepo.secretName" . }}
      key: {{ .Values.secrets.adminTokenKey }}
{{- with .Values.api.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod spec of an executor, shared by the Deployment and the KEDA ScaledJob. */}}
{{- define "aepo.executorPodSpec" -}}
serviceAccountName: {{ include "aepo.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.executor.runtimeClassName }}
runtimeClassName: {{ . }}
{{- end }}
{{- with .Values.executor.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
terminationGracePeriodSeconds: {{ .Values.executor.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.executor.podSecurityContext | nindent 2 }}
{{- with .Values.executor.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.executor.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.executor.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
containers:
  - name: executor
    image: {{ include "aepo.image" (dict "ctx" . "image" .Values.executor.image) }}
    imagePullPolicy: {{ .Values.executor.image.pullPolicy }}
    securityContext:
      {{- toYaml .Values.executor.securityContext | nindent 6 }}
    ports:
      - name: http
        containerPort: {{ .Values.executor.httpPort }}
        protocol: TCP
    env:
      - name: AEPO_EXECUTOR_ID
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: AEPO_EXECUTOR_API_ADDRESS
        value: {{ include "aepo.apiAddress" . | quote }}
      - name: AEPO_EXECUTOR_HTTP_ADDRESS
        value: {{ printf "0.0.0.0:%d" (int .Values.executor.httpPort) | quote }}
      - name: AEPO_EXECUTOR_CHECKPOINT_DIR
        value: {{ printf "%s/checkpoints" .Values.executor.persistence.mountPath | quote }}
      - name: AEPO_ENGINE_MODEL_CACHE
        value: {{ printf "%s/models" .Values.executor.persistence.mountPath | quote }}
      - name: HF_HOME
        value: {{ printf "%s/models/huggingface" .Values.executor.persistence.mountPath | quote }}
      - name: TMPDIR
        value: /tmp
      {{- if .Values.tls.enabled }}
      - name: AEPO_EXECUTOR_API_CA_FILE
        value: {{ printf "%s/ca.crt" (include "aepo.tlsDir" .) | quote }}
      {{- if .Values.tls.requireExecutorClientCert }}
      - name: AEPO_EXECUTOR_API_CERT_FILE
        value: {{ printf "%s/tls.crt" (include "aepo.tlsDir" .) | quote }}
      - name: AEPO_EXECUTOR_API_KEY_FILE
        value: {{ printf "%s/tls.key" (include "aepo.tlsDir" .) | quote }}
      {{- end }}
      {{- end }}
      {{- if and .Values.keda.enabled (eq .Values.keda.mode "ScaledJob") }}
      - name: AEPO_EXECUTOR_EXIT_WHEN_IDLE
        value: "true"
      {{- end }}
      {{- range $name, $value := .Values.executor.env }}
      - name: {{ $name }}
        value: {{ $value | toString | quote }}
      {{- end }}
      - name: AEPO_EXECUTOR_TOKEN
        valueFrom:
          secretKeyRef:
            name: {{ include "aepo.secretName" . }}
            key: {{ .Values.secrets.executorTokenKey }}
      {{- with .Values.executor.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    startupProbe:
      httpGet: { path: /healthz, port: http }
      failureThreshold: {{ .Values.executor.startupProbe.failureThreshold }}
      periodSeconds: {{ .Values.executor.startupProbe.periodSeconds }}
    livenessProbe:
      httpGet: { path: /healthz, port: http }
      periodSeconds: 20
      timeoutSeconds: 5
      failureThreshold: 6
    readinessProbe:
      httpGet: { path: /readyz, port: http }
      periodSeconds: 10
      timeoutSeconds: 5
    resources:
      {{- $res := deepCopy .Values.executor.resources }}
      {{- if gt (int .Values.executor.gpus) 0 }}
      {{- $limits := default dict $res.limits }}
      {{- $_ := set $limits .Values.executor.gpuResourceName (int .Values.executor.gpus) }}
      {{- $_ := set $res "limits" $limits }}
      {{- end }}
      {{- toYaml $res | nindent 6 }}
    volumeMounts:
      - name: data
        mountPath: {{ .Values.executor.persistence.mountPath }}
      - name: tmp
        mountPath: /tmp
      - name: dshm
        mountPath: /dev/shm
      {{- if .Values.tls.enabled }}
      - name: tls
        mountPath: {{ include "aepo.tlsDir" . }}
        readOnly: true
      {{- end }}
volumes:
  - name: data
    {{- if .Values.executor.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ default (printf "%s-executor-data" (include "aepo.fullname" .)) .Values.executor.persistence.existingClaim }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  - name: tmp
    emptyDir: {}
  - name: dshm
    emptyDir:
      medium: Memory
      sizeLimit: {{ .Values.executor.shmSize }}
  {{- if .Values.tls.enabled }}
  - name: tls
    secret:
      {{- if .Values.tls.requireExecutorClientCert }}
      # The executors' own certificate and key, and the CA that signed the API.
      secretName: {{ include "aepo.executorTlsSecretName" . }}
      {{- else }}
      # Only the CA of the API secret: the API's private key stays out of executor pods.
      secretName: {{ include "aepo.apiTlsSecretName" . }}
      items:
        - key: ca.crt
          path: ca.crt
      {{- end }}
  {{- end }}
{{- end -}}
