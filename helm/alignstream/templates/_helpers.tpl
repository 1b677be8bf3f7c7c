{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "alignstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's resources; the StatefulSet's pods are FULLNAME-0, FULLNAME-1, ... */}}
{{- define "alignstream.fullname" -}}
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

{{/* The headless Service that gives each pod a stable DNS name (instance-to-instance calls). */}}
{{- define "alignstream.headlessName" -}}
{{- printf "%s-headless" (include "alignstream.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "alignstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alignstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "alignstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "alignstream.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "alignstream.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Name of the Secret holding the admin token, or "" when no token is configured. */}}
{{- define "alignstream.adminTokenSecret" -}}
{{- if .Values.adminToken.existingSecret }}
{{- .Values.adminToken.existingSecret }}
{{- else if .Values.adminToken.value }}
{{- printf "%s-admin-token" (include "alignstream.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Where the service reads its Kafka client properties: the ConfigMap's file as it is, or, with
     a Secret to merge in, the file the init container writes. */}}
{{- define "alignstream.kafkaConfigPath" -}}
{{- if .Values.kafka.existingSecret -}}
/var/run/alignstream/kafka.properties
{{- else -}}
/etc/alignstream/config/kafka.properties
{{- end }}
{{- end }}
