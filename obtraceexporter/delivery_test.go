package obtraceexporter

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadatatest"
)

// respondSequence answers the n-th request with statuses[n-1], then 200.
func respondSequence(statuses ...int) ingesttest.Responder {
	return func(r ingesttest.Request) ingesttest.Answer {
		if r.N <= len(statuses) {
			return statusAnswer(statuses[r.N-1])
		}
		return ingesttest.OK(r)
	}
}

func spansReceived(f *ingesttest.Ingest) int {
	total := 0
	for _, r := range f.Requests() {
		total += r.Traces.SpanCount()
	}
	return total
}

func TestServerErrorIsRetriedThenDelivered(t *testing.T) {
	f := ingesttest.New(t, respondSequence(http.StatusInternalServerError, http.StatusInternalServerError))
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, testConfig(f))

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})))
	assert.Len(t, f.Requests(), 3, "two 500s, then the delivery")
}

func TestServerErrorRetriesAreBounded(t *testing.T) {
	f := ingesttest.New(t, respondWith(http.StatusInternalServerError))
	set, _ := testSettings(component.TelemetrySettings{})
	cfg := testConfig(f)
	cfg.ServerErrorRetries = 2
	exp := startTraces(t, set, cfg)

	err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"}))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "500 after its retries is refused for good (no dead-letter directory: dropped)")
	assert.Len(t, f.Requests(), 3, "the request and its 2 retries")
}

// tooLargeAbove answers 413 to requests of more than limit spans.
func tooLargeAbove(limit int, after ingesttest.Responder) ingesttest.Responder {
	return func(r ingesttest.Request) ingesttest.Answer {
		if spans := r.Traces.SpanCount(); spans > limit {
			return statusAnswer(http.StatusRequestEntityTooLarge)
		}
		return after(r)
	}
}

func TestTooLargeSplitsTheBatch(t *testing.T) {
	f := ingesttest.New(t, tooLargeAbove(2, ingesttest.OK))
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, testConfig(f))

	td := testTraces(map[string]any{"service.name": "a"}, map[string]any{"service.name": "b"}, map[string]any{"service.name": "c"})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td)) // 6 spans, 2 per resource
	delivered := 0
	for _, r := range f.Requests() {
		if n := r.Traces.SpanCount(); n <= 2 {
			delivered += n
		}
	}
	assert.Equal(t, 6, delivered, "every span delivered once, in requests ingest accepts")
	// 6 spans refused; halves of 1 and 2 resources: 2 accepted, 4 refused; then 2 and 2.
	assert.Len(t, f.Requests(), 5)
}

func TestTooLargeSingleSpanIsRefused(t *testing.T) {
	f := ingesttest.New(t, respondWith(http.StatusRequestEntityTooLarge))
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, testConfig(f))

	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("huge")
	err := exp.ConsumeTraces(context.Background(), td)
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Len(t, f.Requests(), 1, "one span cannot be split")
}

func TestTooLargeRetriesOnlyTheHalfNotDelivered(t *testing.T) {
	var unavailable atomic.Bool
	unavailable.Store(true)
	f := ingesttest.New(t, tooLargeAbove(2, func(r ingesttest.Request) ingesttest.Answer {
		if v, _ := r.Traces.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); v.Str() == "b" && unavailable.Swap(false) {
			return statusAnswer(http.StatusServiceUnavailable)
		}
		return ingesttest.OK(r)
	}))
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, testConfig(f))

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "a"}, map[string]any{"service.name": "b"})))
	accepted := map[string]int{}
	for _, r := range f.Requests() {
		if r.Traces.SpanCount() <= 2 {
			v, _ := r.Traces.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
			accepted[v.Str()]++
		}
	}
	assert.Equal(t, map[string]int{"a": 1, "b": 2}, accepted, "a delivered once; b refused with 503 once, then retried alone")
}

func TestRefusedRequestIsDeadLetteredAndResentAfterRestart(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusUnauthorized)
	f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		if s := int(status.Load()); s != http.StatusOK {
			return statusAnswer(s)
		}
		return ingesttest.OK(r)
	})
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, logs := testSettings(tel.NewTelemetrySettings())
	cfg := testConfig(f)
	cfg.DeadLetter.Directory = t.TempDir()
	cfg.DeadLetter.ResendOnStart = false

	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	for _, service := range []string{"cart", "checkout"} {
		require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": service})),
			"a dead-lettered request is not an error: nothing is dropped")
	}
	require.NoError(t, exp.Shutdown(context.Background()))
	metadatatest.AssertEqualExporterObtraceDeadLetteredItems(t, tel, []metricdata.DataPoint[int64]{
		tracesDataPoint(4, attribute.Int("http.response.status_code", http.StatusUnauthorized)),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	refused := logs.FilterMessageSnippet("refused the request").All()
	require.Len(t, refused, 1, "one log line per episode")
	assert.EqualValues(t, 2, refused[0].ContextMap()["dead_lettered_items"])
	assert.NotContains(t, logText(logs), testAPIKey)
	assertNoFileContains(t, cfg.DeadLetter.Directory, testAPIKey)

	// The key is fixed; the restart resends what was refused.
	status.Store(http.StatusOK)
	cfg.DeadLetter.ResendOnStart = true
	exp, err = NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return spansReceived(f) == 4+4 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Equal(t, 8, spansReceived(f), "the two requests refused, then each delivered once")
	metadatatest.AssertEqualExporterObtraceDeadLetterResentItems(t, tel, []metricdata.DataPoint[int64]{tracesDataPoint(4)},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	// Nothing is left to resend.
	exp, err = NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Equal(t, 8, spansReceived(f))
}

func TestPersistentServerErrorIsDeadLetteredThenResentOnSchedule(t *testing.T) {
	var healthy atomic.Bool
	var deliveredSpans atomic.Int64
	refuse := refuseUntilHealthy(&healthy, http.StatusInternalServerError)
	f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		if healthy.Load() {
			deliveredSpans.Add(int64(r.Traces.SpanCount()))
		}
		return refuse(r)
	})
	set, _ := testSettings(component.TelemetrySettings{})
	cfg := testConfig(f)
	cfg.ServerErrorRetries = 1
	cfg.DeadLetter.Directory = t.TempDir()
	cfg.DeadLetter.ResendInterval = 20 * time.Millisecond
	exp := startTraces(t, set, cfg)

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})))
	require.GreaterOrEqual(t, len(f.Requests()), 2, "the request and its one retry; then it is held")
	healthy.Store(true)
	require.Eventually(t, func() bool { return deliveredSpans.Load() == 2 }, 5*time.Second, 5*time.Millisecond)
	requests := len(f.Requests())
	time.Sleep(100 * time.Millisecond) // several more scheduled passes
	assert.Len(t, f.Requests(), requests, "delivered once, then removed from the dead-letter queue")
	assert.EqualValues(t, 2, deliveredSpans.Load())
}

func TestPassthroughDeadLetterKeepsTheTenantKey(t *testing.T) {
	const tenantKey = "obt_live_tenant_dead_letter_0123456789"
	var healthy atomic.Bool
	f := ingesttest.New(t, refuseUntilHealthy(&healthy, http.StatusForbidden))
	set, logs := testSettings(component.TelemetrySettings{})
	cfg := testConfig(f)
	cfg.APIKey = ""
	cfg.Auth.Mode = authModePassthrough
	cfg.DeadLetter.Directory = t.TempDir()
	cfg.DeadLetter.ResendInterval = 20 * time.Millisecond
	exp := startTraces(t, set, cfg)

	ctx := withOnlyTenantKey(context.Background(), tenantKey)
	require.NoError(t, exp.ConsumeTraces(ctx, testTraces(map[string]any{"service.name": "cart"})))
	healthy.Store(true)
	require.Eventually(t, func() bool { return spansReceived(f) == 4 }, 5*time.Second, 5*time.Millisecond)
	last := f.Requests()[len(f.Requests())-1]
	assert.Equal(t, "Bearer "+tenantKey, last.Header.Get("Authorization"), "resent with its tenant's key")
	assert.NotContains(t, logText(logs), tenantKey)
}

func TestFullDeadLetterQueueDropsOldestAndCountsThem(t *testing.T) {
	f := ingesttest.New(t, respondWith(http.StatusBadRequest))
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, _ := testSettings(tel.NewTelemetrySettings())
	cfg := testConfig(f)
	cfg.DeadLetter.Directory = t.TempDir()
	cfg.DeadLetter.MaxBytes = minDeadLetterBytes
	cfg.DeadLetter.ResendOnStart = false
	cfg.DeadLetter.ResendInterval = 0
	exp := startTraces(t, set, cfg)

	// Each request is about 300 KiB (a long attribute): three fit in 1 MiB.
	big := string(make([]byte, 300<<10))
	for i := range 5 {
		td := testTraces(map[string]any{"service.name": "cart", "payload": big, "i": int64(i)})
		require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	}
	metadatatest.AssertEqualExporterObtraceDeadLetterDroppedItems(t, tel, []metricdata.DataPoint[int64]{
		tracesDataPoint(4, attribute.String("reason", "full")),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualExporterObtraceDeadLetteredItems(t, tel, []metricdata.DataPoint[int64]{
		tracesDataPoint(10, attribute.Int("http.response.status_code", http.StatusBadRequest)),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// refuseUntilHealthy answers status until healthy is set, then 200.
func refuseUntilHealthy(healthy *atomic.Bool, status int) ingesttest.Responder {
	return func(r ingesttest.Request) ingesttest.Answer {
		if !healthy.Load() {
			return statusAnswer(status)
		}
		return ingesttest.OK(r)
	}
}

// assertNoFileContains checks that no file below dir holds secret.
func assertNoFileContains(t *testing.T, dir, secret string) {
	t.Helper()
	files := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(data), secret, path)
		return nil
	}))
	assert.Positive(t, files, "the dead-letter queue wrote files")
}

func TestDeadLettersAreResentOnSIGUSR1(t *testing.T) {
	var healthy atomic.Bool
	f := ingesttest.New(t, refuseUntilHealthy(&healthy, http.StatusUnauthorized))
	set, _ := testSettings(component.TelemetrySettings{})
	cfg := testConfig(f)
	cfg.DeadLetter = DeadLetterConfig{Directory: t.TempDir(), MaxBytes: minDeadLetterBytes} // no schedule, no resend at start
	exp := startTraces(t, set, cfg)

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})))
	healthy.Store(true)
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, 2, spansReceived(f), "only the refused request: nothing resends without a trigger")

	// The exporter's resend loop has SIGUSR1 registered, so the signal does not end the test.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	require.Eventually(t, func() bool { return spansReceived(f) == 2+2 }, 5*time.Second, 5*time.Millisecond)
}
