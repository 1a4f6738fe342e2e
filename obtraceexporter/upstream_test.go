package obtraceexporter

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
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
			assert.Equal(t, tc.wantURL(up), tc.url)
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

func TestOneClientConfigForExportsAndStartupCheck(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = "obt_live_abc"
	cfg.TLS = configtls.ClientConfig{InsecureSkipVerify: true}
	cfg.Headers = configopaque.MapList{{Name: "X-A", Value: "1"}}
	want := cfg.clientConfig()

	export := cfg.upstreamConfig(signalLogs).ClientConfig
	assert.Equal(t, []configmiddleware.Config{{ID: observerID}}, export.Middlewares, "exports are observed")
	export.Middlewares = want.Middlewares
	assert.Equal(t, want, export)

	check := newStartupCheck(cfg, exportertest.NewNopSettings(metadata.Type)).client
	assert.Empty(t, check.Compression, "the handshake is sent uncompressed")
	check.Compression = want.Compression
	assert.Equal(t, want, check, "the handshake goes out like an export, minus the observer")
}

// TestUpstreamLogFilter drives the real upstream exporter (its
// exporterhelper included) into the two messages upstreamSettings drops: a
// refused request and a partial success. Unfiltered, upstream must emit every
// dropped message, so a reworded one fails here; filtered, it must emit none
// of them and no other error, so a new upstream error is seen.
func TestUpstreamLogFilter(t *testing.T) {
	run := func(t *testing.T, filtered bool) []observer.LoggedEntry {
		f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
			if r.N == 1 {
				return statusAnswer(http.StatusBadRequest)
			}
			return partialSuccess("1 span has no service.name")
		})
		set, logs := testSettings(component.TelemetrySettings{})
		up := upstreamSettings(set, upstreamFactory.Type())
		if !filtered {
			up.Logger = set.Logger
		}
		exp, err := upstreamFactory.CreateTraces(context.Background(), up, testConfig(f).upstreamConfig(signalTraces))
		require.NoError(t, err)
		require.NoError(t, exp.Start(context.Background(), observedHost{Host: componenttest.NewNopHost()}))
		t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })

		require.Error(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{})), "400")
		require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{})), "partial success")
		require.Len(t, f.Requests(), 2)
		return logs.All()
	}
	dropped := func(e observer.LoggedEntry) bool {
		return slices.ContainsFunc(upstreamDroppedMessages, func(p string) bool { return strings.HasPrefix(e.Message, p) })
	}

	t.Run("unfiltered upstream emits each dropped message", func(t *testing.T) {
		entries := run(t, false)
		for _, prefix := range upstreamDroppedMessages {
			assert.True(t, slices.ContainsFunc(entries, func(e observer.LoggedEntry) bool { return strings.HasPrefix(e.Message, prefix) }),
				"upstream no longer logs %q; update upstreamDroppedMessages (upstream.go)", prefix)
		}
	})
	t.Run("filtered upstream emits none of them and no other error", func(t *testing.T) {
		for _, e := range run(t, true) {
			assert.False(t, dropped(e), "not filtered: %s", e.Message)
			assert.Less(t, e.Level, zapcore.ErrorLevel, "an upstream error we do not filter: %s", e.Message)
		}
	})
}
