package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"

import (
	"strings"

	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
)

// signal is one of the OTLP signals the exporter sends.
type signal string

const (
	signalTraces  signal = "traces"
	signalMetrics signal = "metrics"
	signalLogs    signal = "logs"
)

// otlpPathPrefix is where Obtrace ingest serves OTLP/HTTP, below the base URL.
// Note: not the OTLP default /v1/<signal>.
const otlpPathPrefix = "/otlp/v1/"

// signalURL returns the URL one signal is sent to: the per-signal override if
// set, else <endpoint>/otlp/v1/<signal>.
func (cfg *Config) signalURL(s signal) string {
	var override string
	switch s {
	case signalTraces:
		override = cfg.TracesEndpoint
	case signalMetrics:
		override = cfg.MetricsEndpoint
	case signalLogs:
		override = cfg.LogsEndpoint
	}
	if override != "" {
		return override
	}
	return strings.TrimRight(cfg.Endpoint, "/") + otlpPathPrefix + string(s)
}

// requestHeaders returns the user's headers plus "Authorization: Bearer <api_key>".
// Validate refuses an Authorization entry in headers; should one get here
// anyway, the API key still wins because it is set last.
func (cfg *Config) requestHeaders() configopaque.MapList {
	headers := make(configopaque.MapList, 0, len(cfg.Headers)+1)
	for name, value := range cfg.Headers.Iter {
		if strings.EqualFold(strings.TrimSpace(name), headerAuthorization) {
			continue
		}
		headers.Set(name, value)
	}
	if !cfg.Auth.passthrough() {
		// In passthrough mode the response observer sets each request's own key.
		headers.Set(headerAuthorization, "Bearer "+cfg.APIKey)
	}
	return headers
}

// upstreamConfig translates the configuration into the otlphttpexporter
// configuration used to send one signal.
//
// Queueing and retrying are NOT delegated: the upstream exporter is used
// synchronously (no queue, no retry) underneath this exporter's own
// exporterhelper, which owns sending_queue and retry_on_failure. That way each
// upstream call is exactly one HTTP request whose item count and HTTP outcome
// this exporter sees together, which the per-item telemetry and the
// 401/403 diagnostics need. Everything about OTLP/HTTP itself (encoding,
// compression, status handling, Retry-After on 429/503, partial success) is
// the upstream code.
func (cfg *Config) upstreamConfig(s signal) *otlphttpexporter.Config {
	up := otlphttpexporter.NewFactory().CreateDefaultConfig().(*otlphttpexporter.Config)

	up.ClientConfig.Endpoint = "" // unused: every signal gets an explicit URL below
	up.TracesEndpoint, up.MetricsEndpoint, up.LogsEndpoint = "", "", ""
	switch s {
	case signalTraces:
		up.TracesEndpoint = cfg.signalURL(s)
	case signalMetrics:
		up.MetricsEndpoint = cfg.signalURL(s)
	case signalLogs:
		up.LogsEndpoint = cfg.signalURL(s)
	}
	up.Encoding = otlphttpexporter.EncodingProto

	up.ClientConfig.Headers = cfg.requestHeaders()
	up.ClientConfig.Compression = cfg.Compression
	up.ClientConfig.Timeout = cfg.Timeout
	up.ClientConfig.TLS = cfg.TLS
	// The response observer (observer.go) is plugged in as a client middleware.
	up.ClientConfig.Middlewares = []configmiddleware.Config{{ID: observerID}}

	up.RetryConfig.Enabled = false
	up.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	return up
}
