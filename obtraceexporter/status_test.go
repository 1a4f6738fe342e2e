package obtraceexporter

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadatatest"
)

// respondWith answers every request with status (and optional headers).
func respondWith(status int, headers ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "%d %s", status, http.StatusText(status))
	}
}

// firstThenOK answers the first request with first, later ones with 200.
func firstThenOK(first func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			first(n, w, r)
			return
		}
		writeOK(w)
	}
}

// logText flattens observed log entries (message and all fields) to search them.
func logText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		fmt.Fprintf(&b, "%s %s %v\n", e.Level, e.Message, e.ContextMap())
	}
	return b.String()
}

func tracesDataPoint(value int64, attrs ...attribute.KeyValue) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{
		Attributes: attribute.NewSet(append([]attribute.KeyValue{attribute.String("signal", "traces")}, attrs...)...),
		Value:      value,
	}
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
			f := newFakeIngest(t, respondWith(tt.status))
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
			assert.Len(t, f.received(), 1, "exactly one request, no retry")

			refused := logs.FilterMessageSnippet("refused the request").All()
			require.Len(t, refused, 1)
			entry := refused[0]
			assert.Equal(t, zapcore.ErrorLevel, entry.Level)
			fields := entry.ContextMap()
			assert.EqualValues(t, tt.status, fields["http.response.status_code"])
			assert.Contains(t, fields["hint"], tt.hint)
			assert.Equal(t, f.srv.URL+"/otlp/v1/traces", fields["endpoint"])
			assert.Equal(t, "acme", fields["tenant_id"])
			assert.Equal(t, "checkout", fields["project_id"])
			assert.Equal(t, "checkout-api", fields["app_id"])
			assert.Equal(t, "production", fields["env"])
			assert.EqualValues(t, 2, fields["dropped_items"])
			assert.Equal(t, []any{"cart"}, fields["service_names"])

			// The same refusal again: sent once more, but not logged again so soon.
			err = exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"}))
			require.Error(t, err)
			assert.Len(t, f.received(), 2)
			assert.Len(t, logs.FilterMessageSnippet("refused the request").All(), 1, "rate-limited")

			assert.NotContains(t, logText(logs), testAPIKey)
			metadatatest.AssertEqualExporterObtraceFailedItems(t, tel, []metricdata.DataPoint[int64]{
				tracesDataPoint(4, attribute.Int("http.response.status_code", tt.status)),
			}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

func TestOtherPermanentStatusHasNoHint(t *testing.T) {
	f := newFakeIngest(t, respondWith(http.StatusBadRequest))
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, logs := testSettings(tel.NewTelemetrySettings())
	exp := startTraces(t, set, testConfig(f))

	err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{}))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Len(t, f.received(), 1)
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
			f := newFakeIngest(t, firstThenOK(respondWith(status, "Retry-After", "1")))
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			set, _ := testSettings(tel.NewTelemetrySettings())
			cfg := testConfig(f) // backoff of 10ms..50ms: a longer wait comes from Retry-After
			exp := startTraces(t, set, cfg)

			start := time.Now()
			require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{})))
			elapsed := time.Since(start)

			assert.Len(t, f.received(), 2, "one refused attempt, one delivery")
			assert.GreaterOrEqual(t, elapsed, 900*time.Millisecond, "waited for Retry-After: 1")
			metadatatest.AssertEqualExporterObtraceSentItems(t, tel, []metricdata.DataPoint[int64]{tracesDataPoint(2)},
				metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

func TestRetryableStatusesAreRetried(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeIngest(t, firstThenOK(respondWith(status, "Retry-After", "0")))
			set, _ := testSettings(componenttest.NewNopTelemetrySettings())
			exp := startLogs(t, set, testConfig(f))

			require.NoError(t, exp.ConsumeLogs(context.Background(), testLogs(map[string]any{})))
			assert.Len(t, f.received(), 2)
		})
	}
}

func TestRetriesExhaustedIsNotPermanent(t *testing.T) {
	f := newFakeIngest(t, respondWith(http.StatusServiceUnavailable))
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, _ := testSettings(tel.NewTelemetrySettings())
	cfg := testConfig(f)
	cfg.RetryConfig.MaxElapsedTime = 100 * time.Millisecond
	exp := startTraces(t, set, cfg)

	err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{}))
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.GreaterOrEqual(t, len(f.received()), 2, "retried before giving up")
	_, err = tel.GetMetric("otelcol_exporter_obtrace_failed_items")
	assert.Error(t, err, "not counted as a permanent failure")
}

func TestPartialSuccessIsLoggedAndCounted(t *testing.T) {
	f := newFakeIngest(t, func(_ int, w http.ResponseWriter, _ *http.Request) { respondPartialSuccess(w) })
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
	f := newFakeIngest(t, nil)
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

func TestRejectionLoggerRateLimits(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := newRejectionLogger(zap.New(core), 30*time.Second)
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }

	l.log(http.StatusUnauthorized)
	now = now.Add(time.Second)
	l.log(http.StatusUnauthorized) // suppressed
	l.log(http.StatusUnauthorized) // suppressed
	l.log(http.StatusForbidden)    // another status: logged
	now = now.Add(30 * time.Second)
	l.log(http.StatusUnauthorized) // interval over: logged with the count

	entries := logs.All()
	require.Len(t, entries, 3)
	statuses := []any{}
	for _, e := range entries {
		statuses = append(statuses, e.ContextMap()["http.response.status_code"])
	}
	assert.Equal(t, []any{int64(401), int64(403), int64(401)}, statuses)
	assert.EqualValues(t, 0, entries[0].ContextMap()["suppressed_since_last_log"])
	assert.EqualValues(t, 2, entries[2].ContextMap()["suppressed_since_last_log"])
	assert.Contains(t, entries[0].ContextMap()["hint"], "OBTRACE_API_KEY")
	assert.Contains(t, entries[1].ContextMap()["hint"], "tenant/project scope")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.value, now)
		assert.Equal(t, tt.ok, ok, tt.value)
		assert.Equal(t, tt.want, got, tt.value)
	}
}
