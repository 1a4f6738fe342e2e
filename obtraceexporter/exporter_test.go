package obtraceexporter

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadatatest"
)

var testIdentity = IdentityConfig{TenantID: "acme", ProjectID: "checkout", AppID: "checkout-api", Env: "production"}

// resourceAttrs returns the attributes of every resource of a received request.
func resourceAttrs(t *testing.T, r ingesttest.Request) []map[string]any {
	t.Helper()
	var out []map[string]any
	add := func(res pcommon.Resource) { out = append(out, res.Attributes().AsRaw()) }
	switch {
	case strings.HasSuffix(r.Path, "traces"):
		for i := 0; i < r.Traces.ResourceSpans().Len(); i++ {
			add(r.Traces.ResourceSpans().At(i).Resource())
		}
	case strings.HasSuffix(r.Path, "metrics"):
		for i := 0; i < r.Metrics.ResourceMetrics().Len(); i++ {
			add(r.Metrics.ResourceMetrics().At(i).Resource())
		}
	case strings.HasSuffix(r.Path, "logs"):
		for i := 0; i < r.Logs.ResourceLogs().Len(); i++ {
			add(r.Logs.ResourceLogs().At(i).Resource())
		}
	default:
		t.Fatalf("request to %s carried no resources", r.Path)
	}
	return out
}

// sendFuncs send the same two resources (one bare, one that set its own
// identity) through each signal's exporter.
var sendFuncs = map[signal]func(t *testing.T, f *ingesttest.Ingest, cfg *Config, resources ...map[string]any) error{
	signalTraces: func(t *testing.T, _ *ingesttest.Ingest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startTraces(t, set, cfg).ConsumeTraces(context.Background(), testTraces(resources...))
	},
	signalMetrics: func(t *testing.T, _ *ingesttest.Ingest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startMetrics(t, set, cfg).ConsumeMetrics(context.Background(), testMetrics(resources...))
	},
	signalLogs: func(t *testing.T, _ *ingesttest.Ingest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startLogs(t, set, cfg).ConsumeLogs(context.Background(), testLogs(resources...))
	},
}

func TestExportWireFormat(t *testing.T) {
	for _, s := range []signal{signalTraces, signalMetrics, signalLogs} {
		t.Run(string(s), func(t *testing.T) {
			f := ingesttest.New(t, nil)
			cfg := testConfig(f)
			cfg.Headers.Set("X-Obtrace-Source", "edge")

			require.NoError(t, sendFuncs[s](t, f, cfg, map[string]any{"service.name": "cart"}))

			reqs := f.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, "/otlp/v1/"+string(s), r.Path)
			assert.Equal(t, "Bearer "+testAPIKey, r.Header.Get("Authorization"))
			assert.Equal(t, "edge", r.Header.Get("X-Obtrace-Source"))
			assert.Equal(t, "gzip", r.ContentEncoding, "gzip is the default compression")
			assert.Equal(t, "application/x-protobuf", r.Header.Get("Content-Type"))
			assert.Equal(t, []map[string]any{{"service.name": "cart"}}, resourceAttrs(t, r), "no identity configured: nothing added")
		})
	}
}

func TestExportWithoutCompression(t *testing.T) {
	f := ingesttest.New(t, nil)
	cfg := testConfig(f)
	cfg.Compression = "none"
	require.NoError(t, sendFuncs[signalTraces](t, f, cfg, map[string]any{"service.name": "cart"}))
	reqs := f.Requests()
	require.Len(t, reqs, 1)
	assert.Empty(t, reqs[0].ContentEncoding)
}

func TestExportPerSignalEndpoint(t *testing.T) {
	f := ingesttest.New(t, nil)
	cfg := testConfig(f)
	cfg.Endpoint = "https://ingest.obtrace.ai" // must not be used
	cfg.TracesEndpoint = f.URL() + "/custom/traces"
	require.NoError(t, sendFuncs[signalTraces](t, f, cfg, map[string]any{}))
	reqs := f.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/custom/traces", reqs[0].Path)
}

func TestIdentityOnTheWire(t *testing.T) {
	bare := map[string]any{"service.name": "cart"}
	ownIdentity := map[string]any{
		"service.name":           "billing",
		"obtrace.tenant_id":      "tenant-set-by-service",
		"deployment.environment": "staging",
	}
	added := map[string]any{
		"service.name":           "cart",
		"obtrace.tenant_id":      "acme",
		"obtrace.project_id":     "checkout",
		"obtrace.app_id":         "checkout-api",
		"obtrace.env":            "production",
		"deployment.environment": "production",
	}

	tests := []struct {
		name     string
		override bool
		want     []map[string]any
	}{
		{
			name: "added where missing, service values kept",
			want: []map[string]any{added, {
				"service.name":           "billing",
				"obtrace.tenant_id":      "tenant-set-by-service",
				"obtrace.project_id":     "checkout",
				"obtrace.app_id":         "checkout-api",
				"obtrace.env":            "production",
				"deployment.environment": "staging",
			}},
		},
		{
			name:     "override_identity replaces service values",
			override: true,
			want: []map[string]any{added, {
				"service.name":           "billing",
				"obtrace.tenant_id":      "acme",
				"obtrace.project_id":     "checkout",
				"obtrace.app_id":         "checkout-api",
				"obtrace.env":            "production",
				"deployment.environment": "production",
			}},
		},
	}
	for _, tt := range tests {
		for _, s := range []signal{signalTraces, signalMetrics, signalLogs} {
			t.Run(tt.name+"/"+string(s), func(t *testing.T) {
				f := ingesttest.New(t, nil)
				cfg := testConfig(f)
				cfg.Identity = testIdentity
				cfg.Identity.OverrideIdentity = tt.override

				require.NoError(t, sendFuncs[s](t, f, cfg, bare, ownIdentity))

				reqs := f.Requests()
				require.Len(t, reqs, 1)
				assert.Equal(t, tt.want, resourceAttrs(t, reqs[0]))
			})
		}
	}
}

func TestPartialIdentityAddsOnlyWhatIsSet(t *testing.T) {
	f := ingesttest.New(t, nil)
	cfg := testConfig(f)
	cfg.Identity = IdentityConfig{ProjectID: "checkout"}
	require.NoError(t, sendFuncs[signalLogs](t, f, cfg, map[string]any{"service.name": "cart"}))
	reqs := f.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []map[string]any{{"service.name": "cart", "obtrace.project_id": "checkout"}}, resourceAttrs(t, reqs[0]))
}

func TestCapabilities(t *testing.T) {
	f := ingesttest.New(t, nil)
	set, _ := testSettings(component.TelemetrySettings{})

	// Enrichment modifies data, so the pipeline must give the exporter its own
	// copy whenever the data is shared with other consumers.
	cfg := testConfig(f)
	cfg.Identity = testIdentity
	assert.True(t, startTraces(t, set, cfg).Capabilities().MutatesData)
	assert.True(t, startMetrics(t, set, cfg).Capabilities().MutatesData)
	assert.True(t, startLogs(t, set, cfg).Capabilities().MutatesData)

	// Without identity nothing is modified: no copy needed, and read-only
	// (shared) data goes through untouched.
	cfg = testConfig(f)
	exp := startTraces(t, set, cfg)
	assert.False(t, exp.Capabilities().MutatesData)
	td := testTraces(map[string]any{"service.name": "cart"})
	td.MarkReadOnly()
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	require.Len(t, f.Requests(), 1)
}

func TestRefusedRequestsArePermanentAndLogged(t *testing.T) {
	tests := []struct {
		status int
		hint   string
	}{
		{status: http.StatusUnauthorized, hint: "check OBTRACE_API_KEY"},
		{status: http.StatusForbidden, hint: "service.name is not a connected app or alias"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			f := ingesttest.New(t, respondWith(tt.status))
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			set, logs := testSettings(tel.NewTelemetrySettings())
			cfg := testConfig(f)
			cfg.Identity = testIdentity
			exp := startTraces(t, set, cfg)

			err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"}))

			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err), "a refused request must not be retried")
			assert.Contains(t, err.Error(), strconv.Itoa(tt.status))
			assert.Contains(t, err.Error(), tt.hint)
			assert.NotContains(t, err.Error(), testAPIKey)
			assert.Len(t, f.Requests(), 1, "exactly one request, no retry")

			refused := logs.FilterMessageSnippet("refused the request").All()
			require.Len(t, refused, 1)
			entry := refused[0]
			assert.Equal(t, zapcore.ErrorLevel, entry.Level)
			fields := entry.ContextMap()
			assert.EqualValues(t, tt.status, fields["http.response.status_code"])
			assert.Contains(t, fields["hint"], tt.hint)
			assert.Equal(t, f.URL()+"/otlp/v1/traces", fields["endpoint"])
			assert.Equal(t, "acme", fields["tenant_id"])
			assert.Equal(t, "checkout", fields["project_id"])
			assert.Equal(t, "checkout-api", fields["app_id"])
			assert.Equal(t, "production", fields["env"])
			assert.EqualValues(t, 2, fields["dropped_items"])
			assert.Equal(t, []any{"cart"}, fields["service_names"])

			// The same refusal again: sent once more, but not logged again so soon.
			err = exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"}))
			require.Error(t, err)
			assert.Len(t, f.Requests(), 2)
			assert.Len(t, logs.FilterMessageSnippet("refused the request").All(), 1, "rate-limited")

			assert.NotContains(t, logText(logs), testAPIKey)
			metadatatest.AssertEqualExporterObtraceFailedItems(t, tel, []metricdata.DataPoint[int64]{
				tracesDataPoint(4, attribute.Int("http.response.status_code", tt.status)),
			}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

func TestOtherPermanentStatusHasNoHint(t *testing.T) {
	f := ingesttest.New(t, respondWith(http.StatusBadRequest))
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, logs := testSettings(tel.NewTelemetrySettings())
	exp := startTraces(t, set, testConfig(f))

	err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{}))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Len(t, f.Requests(), 1)
	assert.Empty(t, logs.FilterMessageSnippet("refused the request").All())
	metadatatest.AssertEqualExporterObtraceFailedItems(t, tel, []metricdata.DataPoint[int64]{
		tracesDataPoint(2, attribute.Int("http.response.status_code", http.StatusBadRequest)),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestRetryAfterIsHonoured(t *testing.T) {
	// The upstream exporter honours Retry-After on 429 and 503; this exporter
	// adds it for 502 and 504.
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusBadGateway} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := ingesttest.New(t, firstThenOK(retryAfter(status, "1")))
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			set, _ := testSettings(tel.NewTelemetrySettings())
			cfg := testConfig(f) // backoff of 10ms..50ms: a longer wait comes from Retry-After
			exp := startTraces(t, set, cfg)

			start := time.Now()
			require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{})))
			elapsed := time.Since(start)

			assert.Len(t, f.Requests(), 2, "one refused attempt, one delivery")
			assert.GreaterOrEqual(t, elapsed, 900*time.Millisecond, "waited for Retry-After: 1")
			metadatatest.AssertEqualExporterObtraceSentItems(t, tel, []metricdata.DataPoint[int64]{tracesDataPoint(2)},
				metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

func TestRetryableStatusesAreRetried(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := ingesttest.New(t, firstThenOK(retryAfter(status, "0")))
			set, _ := testSettings(componenttest.NewNopTelemetrySettings())
			exp := startLogs(t, set, testConfig(f))

			require.NoError(t, exp.ConsumeLogs(context.Background(), testLogs(map[string]any{})))
			assert.Len(t, f.Requests(), 2)
		})
	}
}

func TestRetriesExhaustedIsNotPermanent(t *testing.T) {
	f := ingesttest.New(t, respondWith(http.StatusServiceUnavailable))
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, _ := testSettings(tel.NewTelemetrySettings())
	cfg := testConfig(f)
	cfg.RetryConfig.MaxElapsedTime = 100 * time.Millisecond
	exp := startTraces(t, set, cfg)

	err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{}))
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.GreaterOrEqual(t, len(f.Requests()), 2, "retried before giving up")
	_, err = tel.GetMetric("otelcol_exporter_obtrace_failed_items")
	assert.Error(t, err, "not counted as a permanent failure")
}

func TestPartialSuccessIsLoggedAndCounted(t *testing.T) {
	f := ingesttest.New(t, func(ingesttest.Request) ingesttest.Answer { return partialSuccess("1 span has no service.name") })
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, logs := testSettings(tel.NewTelemetrySettings())
	exp := startTraces(t, set, testConfig(f))

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{})))

	partial := logs.FilterMessageSnippet("Partial success").All()
	require.Len(t, partial, 1)
	assert.Equal(t, zapcore.WarnLevel, partial[0].Level)
	assert.Equal(t, "1 span has no service.name", partial[0].ContextMap()["message"])
	metadatatest.AssertEqualExporterObtracePartialSuccessRejectedItems(t, tel, []metricdata.DataPoint[int64]{tracesDataPoint(1)},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualExporterObtraceSentItems(t, tel, []metricdata.DataPoint[int64]{tracesDataPoint(2)},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestSentItemsBySignal(t *testing.T) {
	f := ingesttest.New(t, nil)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, _ := testSettings(tel.NewTelemetrySettings())
	cfg := testConfig(f)
	ctx := context.Background()

	require.NoError(t, startTraces(t, set, cfg).ConsumeTraces(ctx, testTraces(map[string]any{}, map[string]any{})))
	require.NoError(t, startMetrics(t, set, cfg).ConsumeMetrics(ctx, testMetrics(map[string]any{})))
	require.NoError(t, startLogs(t, set, cfg).ConsumeLogs(ctx, testLogs(map[string]any{}, map[string]any{}, map[string]any{})))

	metadatatest.AssertEqualExporterObtraceSentItems(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("signal", "traces")), Value: 4},
		{Attributes: attribute.NewSet(attribute.String("signal", "metrics")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("signal", "logs")), Value: 3},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestQueuedDelivery(t *testing.T) {
	f := ingesttest.New(t, nil)
	cfg := testConfig(f)
	cfg.QueueConfig = createDefaultConfig().(*Config).QueueConfig // the default in-memory queue
	cfg.Identity = testIdentity
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, cfg)

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})))
	require.Eventually(t, func() bool { return len(f.Requests()) == 1 }, 5*time.Second, 10*time.Millisecond)
	attrs := resourceAttrs(t, f.Requests()[0])
	require.Len(t, attrs, 1)
	assert.Equal(t, "acme", attrs[0]["obtrace.tenant_id"])
}

func TestPersistentQueueNeedsItsStorageExtension(t *testing.T) {
	f := ingesttest.New(t, nil)
	cfg := testConfig(f)
	queue := exporterhelper.NewDefaultQueueConfig()
	storage := component.MustNewIDWithName("file_storage", "obtrace")
	queue.StorageID = &storage
	cfg.QueueConfig = configoptional.Some(queue)
	set, _ := testSettings(component.TelemetrySettings{})

	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err, "sending_queue.storage is handed to exporterhelper, which looks the extension up")
	assert.Contains(t, err.Error(), "storage")
	require.NoError(t, exp.Shutdown(context.Background()))
}
