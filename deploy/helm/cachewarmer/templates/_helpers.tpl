{{/* The chart name, or nameOverride. */}}
{{- define "cachewarmer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name of every object: fullnameOverride, or <release>-<chart> (the release alone when it already holds the chart name). */}}
{{- define "cachewarmer.fullname" -}}
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

{{- define "cachewarmer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cachewarmer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cachewarmer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cachewarmer.labels" -}}
helm.sh/chart: {{ include "cachewarmer.chart" . }}
{{ include "cachewarmer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "cachewarmer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cachewarmer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the API key, the Redis configuration string and the source connection strings. */}}
{{- define "cachewarmer.secretName" -}}
{{- default (include "cachewarmer.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "cachewarmer.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
The worker's appsettings.json: Serilog (from .Values.logging, console sink) and the CacheWarmer section (.Values.config).
It replaces the image's appsettings.json whole, so the demo's SQLite catalog and loader do not leak into a release.
*/}}
{{- define "cachewarmer.appsettings" -}}
{{- $serilog := deepCopy .Values.logging }}
{{- $_ := set $serilog "Using" (list "Serilog.Sinks.Console") }}
{{- $console := dict "Name" "Console" "Args" (dict "outputTemplate" "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}") }}
{{- $_ := set $serilog "WriteTo" (list $console) }}
{{- dict "Serilog" $serilog "CacheWarmer" .Values.config | toPrettyJson }}
{{- end }}
