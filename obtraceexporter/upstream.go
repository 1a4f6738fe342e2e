package obtraceexporter

import (
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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

// clientConfig is the HTTP client of every request to ingest, exports and the
// start-up check alike: otlphttpexporter's client defaults with this
// configuration's headers (and API key), compression, timeout and TLS. Its
// Endpoint stays empty: each request gets an explicit URL.
func (cfg *Config) clientConfig() confighttp.ClientConfig {
	client := otlphttpexporter.NewFactory().CreateDefaultConfig().(*otlphttpexporter.Config).ClientConfig
	client.Endpoint = ""
	client.Headers = cfg.requestHeaders()
	client.Compression = cfg.Compression
	client.Timeout = cfg.Timeout
	client.TLS = cfg.TLS
	return client
}

// upstreamConfig translates the configuration into the otlphttpexporter
// configuration used to send one signal: without queue and retries, which
// this component's exporterhelper owns (see "Upstream exporter" in doc.go).
func (cfg *Config) upstreamConfig(s signal) *otlphttpexporter.Config {
	up := otlphttpexporter.NewFactory().CreateDefaultConfig().(*otlphttpexporter.Config)

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

	up.ClientConfig = cfg.clientConfig()
	// The response observer (observer.go) is plugged in as a client middleware.
	up.ClientConfig.Middlewares = []configmiddleware.Config{{ID: observerID}}

	up.RetryConfig.Enabled = false
	up.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	return up
}

// upstreamSettings are the settings the upstream otlphttpexporter is created
// with.
//
//   - Its ID has the upstream type (the upstream factory insists) and this
//     component's ID as name, e.g. otlp_http/obtrace/prod.
//   - Its metrics go to a no-op MeterProvider: the upstream's exporterhelper
//     would otherwise count every attempt again under otelcol_exporter_*, which
//     this component's own exporterhelper already reports once per request.
//   - Its logger is this component's logger minus the upstream exporterhelper's
//     per-attempt "Exporting failed. Rejecting data." error, which would be
//     wrong here: this component retries (and logs) retryable failures itself.
//     Its "Partial success response" warning is dropped too: it logs ingest's
//     message as is, and this component logs it redacted and bounded (send).
//     The upstream exporter's other logs go through.
func upstreamSettings(set exporter.Settings, upstreamType component.Type) exporter.Settings {
	up := set
	up.ID = component.NewIDWithName(upstreamType, set.ID.String())
	up.Logger = set.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return dropMessageCore{Core: c, prefixes: upstreamDroppedMessages}
	}))
	up.MeterProvider = noop.NewMeterProvider()
	return up
}

// upstreamDroppedMessages are the prefixes of the upstream log messages
// upstreamSettings drops: exporterhelper's base_exporter.go and
// otlphttpexporter's otlp.go (v0.160.0). TestUpstreamLogFilter fails when
// upstream stops emitting them or emits another error.
var upstreamDroppedMessages = []string{"Exporting failed. Rejecting data.", "Partial success response"}

// dropMessageCore drops log entries whose message starts with one of prefixes.
type dropMessageCore struct {
	zapcore.Core
	prefixes []string
}

func (c dropMessageCore) With(fields []zapcore.Field) zapcore.Core {
	return dropMessageCore{Core: c.Core.With(fields), prefixes: c.prefixes}
}

func (c dropMessageCore) Check(entry zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	for _, prefix := range c.prefixes {
		if strings.HasPrefix(entry.Message, prefix) {
			return ce
		}
	}
	return c.Core.Check(entry, ce)
}
