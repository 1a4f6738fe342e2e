package obtraceexporter

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

// testAPIKey is the key used against the fake ingest. Tests assert it never
// shows up in logs or errors.
const testAPIKey = "obt_live_T3stK3y_do_not_leak_0123456789"

// received is one request as the fake ingest decoded it.
type received struct {
	path            string
	header          http.Header
	contentEncoding string
	traces          ptrace.Traces
	metrics         pmetric.Metrics
	logs            plog.Logs
}

// fakeIngest is an httptest server on 127.0.0.1 that decodes OTLP/HTTP
// protobuf requests and answers with respond (200 with an empty
// ExportResponse when respond is nil).
type fakeIngest struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []received
	respond  func(n int, w http.ResponseWriter, r *http.Request) // n counts requests from 1
}

func newFakeIngest(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *fakeIngest {
	f := &fakeIngest{t: t, respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIngest) handle(w http.ResponseWriter, r *http.Request) {
	rec := received{path: r.URL.Path, header: r.Header.Clone(), contentEncoding: r.Header.Get("Content-Encoding")}
	var body io.Reader = r.Body
	if rec.contentEncoding == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "unexpected content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/traces"):
		req := ptraceotlp.NewExportRequest()
		err = req.UnmarshalProto(raw)
		rec.traces = req.Traces()
	case strings.HasSuffix(r.URL.Path, "/metrics"):
		req := pmetricotlp.NewExportRequest()
		err = req.UnmarshalProto(raw)
		rec.metrics = req.Metrics()
	case strings.HasSuffix(r.URL.Path, "/logs"):
		req := plogotlp.NewExportRequest()
		err = req.UnmarshalProto(raw)
		rec.logs = req.Logs()
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	n := len(f.requests)
	respond := f.respond
	f.mu.Unlock()

	if respond != nil {
		respond(n, w, r.WithContext(context.WithValue(r.Context(), lastRequestKey{}, rec.traces)))
		return
	}
	writeOK(w)
}

// lastRequestKey holds, in the context of the request respond answers, the
// traces the fake ingest decoded from it.
type lastRequestKey struct{}

// writeOK answers like an OTLP/HTTP server that accepted everything.
func writeOK(w http.ResponseWriter) {
	body, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (f *fakeIngest) received() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.requests...)
}

// testConfig is a valid config that sends to the fake ingest synchronously
// (no queue) with short retry intervals.
func testConfig(f *fakeIngest) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = testAPIKey
	cfg.Endpoint = f.srv.URL // http://127.0.0.1:port: loopback needs no allow_insecure_http
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	// The start-up handshake has its own tests (startup_test.go); here it
	// would only add a JSON request the fake ingest refuses, and its log.
	cfg.StartupCheck = false
	return cfg
}

// testSettings returns exporter settings whose logs (debug and up) are observed.
func testSettings(tel component.TelemetrySettings) (exporter.Settings, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	set := exportertest.NewNopSettings(metadata.Type)
	if tel.MeterProvider != nil {
		set.TelemetrySettings = tel
	}
	set.Logger = zap.New(core)
	return set, logs
}

// started creates and starts one signal's exporter and shuts it down at the
// end of the test.
func started[T component.Component](t *testing.T, create func(context.Context, exporter.Settings, component.Config) (T, error), set exporter.Settings, cfg *Config) T {
	t.Helper()
	require.NoError(t, confmap.Validate(cfg))
	exp, err := create(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp
}

func startTraces(t *testing.T, set exporter.Settings, cfg *Config) exporter.Traces {
	return started(t, NewFactory().CreateTraces, set, cfg)
}

func startMetrics(t *testing.T, set exporter.Settings, cfg *Config) exporter.Metrics {
	return started(t, NewFactory().CreateMetrics, set, cfg)
}

func startLogs(t *testing.T, set exporter.Settings, cfg *Config) exporter.Logs {
	return started(t, NewFactory().CreateLogs, set, cfg)
}

// testTraces returns traces with one resource per attribute map, two spans each.
func testTraces(resources ...map[string]any) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, attrs := range resources {
		rs := td.ResourceSpans().AppendEmpty()
		_ = rs.Resource().Attributes().FromRaw(attrs)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for _, name := range []string{"GET /cart", "SELECT cart"} {
			span := spans.AppendEmpty()
			span.SetName(name)
			span.SetTraceID(pcommon.TraceID{1, 2, 3})
			span.SetSpanID(pcommon.SpanID{byte(len(name))})
		}
	}
	return td
}

// testMetrics returns metrics with one resource per attribute map, one gauge point each.
func testMetrics(resources ...map[string]any) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for _, attrs := range resources {
		rm := md.ResourceMetrics().AppendEmpty()
		_ = rm.Resource().Attributes().FromRaw(attrs)
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("cart.items")
		m.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(3)
	}
	return md
}

// testLogs returns logs with one resource per attribute map, one record each.
func testLogs(resources ...map[string]any) plog.Logs {
	ld := plog.NewLogs()
	for _, attrs := range resources {
		rl := ld.ResourceLogs().AppendEmpty()
		_ = rl.Resource().Attributes().FromRaw(attrs)
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("cart emptied")
	}
	return ld
}

// newTracesPartialSuccess returns a protobuf ExportTraceServiceResponse
// reporting rejected spans.
func newTracesPartialSuccess(rejected int64, message string) []byte {
	resp := ptraceotlp.NewExportResponse()
	resp.PartialSuccess().SetRejectedSpans(rejected)
	resp.PartialSuccess().SetErrorMessage(message)
	body, err := resp.MarshalProto()
	if err != nil {
		panic(err)
	}
	return body
}

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
