package obtraceexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
)

func TestRequestHeaders(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = "obt_live_abc"
	cfg.Headers = configopaque.MapList{
		{Name: "X-Obtrace-Source", Value: "edge"},
		{Name: "X-Scope", Value: "team-a"},
	}

	headers := cfg.requestHeaders()

	auth, ok := headers.Get("Authorization")
	require.True(t, ok)
	assert.Equal(t, configopaque.String("Bearer obt_live_abc"), auth)
	v, ok := headers.Get("X-Obtrace-Source")
	require.True(t, ok)
	assert.Equal(t, configopaque.String("edge"), v)
	v, ok = headers.Get("X-Scope")
	require.True(t, ok)
	assert.Equal(t, configopaque.String("team-a"), v)
	assert.Len(t, headers, 3)
	// The user's list is not modified.
	assert.Len(t, cfg.Headers, 2)
}

func TestRequestHeadersAuthorizationCannotBeOverridden(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = "obt_live_abc"
	cfg.Headers = configopaque.MapList{{Name: "authorization", Value: "Bearer someone-else"}}

	// Validate refuses it ...
	require.ErrorContains(t, cfg.Validate(), "Authorization")

	// ... and if it got through anyway, the API key still wins.
	headers := cfg.requestHeaders()
	require.Len(t, headers, 1)
	assert.Equal(t, "Authorization", headers[0].Name)
	assert.Equal(t, configopaque.String("Bearer obt_live_abc"), headers[0].Value)
}

func TestSignalURL(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		override string
		want     map[signal]string
	}{
		{
			name:     "default base",
			endpoint: "https://ingest.obtrace.ai",
			want: map[signal]string{
				signalTraces:  "https://ingest.obtrace.ai/otlp/v1/traces",
				signalMetrics: "https://ingest.obtrace.ai/otlp/v1/metrics",
				signalLogs:    "https://ingest.obtrace.ai/otlp/v1/logs",
			},
		},
		{
			name:     "trailing slash and path prefix",
			endpoint: "https://proxy.example.com/obtrace/",
			want: map[signal]string{
				signalTraces:  "https://proxy.example.com/obtrace/otlp/v1/traces",
				signalMetrics: "https://proxy.example.com/obtrace/otlp/v1/metrics",
				signalLogs:    "https://proxy.example.com/obtrace/otlp/v1/logs",
			},
		},
		{
			name:     "per-signal overrides",
			endpoint: "https://ingest.obtrace.ai",
			override: "https://other.example.com/x/",
			want: map[signal]string{
				signalTraces:  "https://other.example.com/x/traces",
				signalMetrics: "https://other.example.com/x/metrics",
				signalLogs:    "https://other.example.com/x/logs",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Endpoint = tt.endpoint
			if tt.override != "" {
				cfg.TracesEndpoint = tt.override + "traces"
				cfg.MetricsEndpoint = tt.override + "metrics"
				cfg.LogsEndpoint = tt.override + "logs"
			}
			for s, want := range tt.want {
				assert.Equal(t, want, cfg.signalURL(s), s)
			}
		})
	}
}

func TestUpstreamConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = "obt_live_abc"
	cfg.Endpoint = "https://ingest.obtrace.ai"
	cfg.MetricsEndpoint = "https://metrics.example.com/m"
	cfg.Compression = configcompression.TypeZstd
	cfg.Timeout = 7 * time.Second
	cfg.TLS = configtls.ClientConfig{InsecureSkipVerify: true}
	cfg.Headers = configopaque.MapList{{Name: "X-A", Value: "1"}}

	for _, tc := range []struct {
		signal  signal
		wantURL func(*otlphttpexporter.Config) string
		url     string
	}{
		{signalTraces, func(c *otlphttpexporter.Config) string { return c.TracesEndpoint }, "https://ingest.obtrace.ai/otlp/v1/traces"},
		{signalMetrics, func(c *otlphttpexporter.Config) string { return c.MetricsEndpoint }, "https://metrics.example.com/m"},
		{signalLogs, func(c *otlphttpexporter.Config) string { return c.LogsEndpoint }, "https://ingest.obtrace.ai/otlp/v1/logs"},
	} {
		t.Run(string(tc.signal), func(t *testing.T) {
			up := cfg.upstreamConfig(tc.signal)
			assert.Equal(t, tc.url, tc.wantURL(up))
			assert.Empty(t, up.ClientConfig.Endpoint, "the base endpoint is never used upstream")
			assert.Equal(t, otlphttpexporter.EncodingProto, up.Encoding)
			assert.Equal(t, configcompression.TypeZstd, up.ClientConfig.Compression)
			assert.Equal(t, 7*time.Second, up.ClientConfig.Timeout)
			assert.True(t, up.ClientConfig.TLS.InsecureSkipVerify)
			auth, ok := up.ClientConfig.Headers.Get("Authorization")
			require.True(t, ok)
			assert.Equal(t, configopaque.String("Bearer obt_live_abc"), auth)
			_, ok = up.ClientConfig.Headers.Get("X-A")
			assert.True(t, ok)
			assert.Equal(t, []configmiddleware.Config{{ID: observerID}}, up.ClientConfig.Middlewares)
			assert.False(t, up.RetryConfig.Enabled, "this exporter retries, not upstream")
			assert.False(t, up.QueueConfig.HasValue(), "this exporter queues, not upstream")
		})
	}
}
