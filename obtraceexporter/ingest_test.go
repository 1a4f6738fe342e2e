package obtraceexporter

import (
	"context"
	"fmt"
	"net/http"
	"strings"
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
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

// testAPIKey is the key used against the fake ingest. Tests assert it never
// shows up in logs or errors.
const testAPIKey = "obt_live_T3stK3y_do_not_leak_0123456789"

// testConfig is a valid config that sends to the fake ingest synchronously
// (no queue) with short retry intervals.
func testConfig(f *ingesttest.Ingest) *Config { return testConfigTo(f.URL()) }

// testConfigTo is testConfig towards another server.
func testConfigTo(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = testAPIKey
	cfg.Endpoint = endpoint // http://127.0.0.1:port: loopback needs no allow_insecure_http
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	// The start-up handshake has its own tests (startup_test.go); here it
	// would only add a JSON request to those the fake ingest records, and its log.
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

// partialSuccess answers 200 with one span rejected for message.
func partialSuccess(message string) ingesttest.Answer {
	return ingesttest.Answer{Status: http.StatusOK, ContentType: "application/x-protobuf", Body: newTracesPartialSuccess(1, message)}
}

// statusAnswer answers status with its text as the body, like a real server.
func statusAnswer(status int) ingesttest.Answer {
	return ingesttest.Answer{Status: status, Body: fmt.Appendf(nil, "%d %s", status, http.StatusText(status))}
}

// respondWith answers every request with statusAnswer(status).
func respondWith(status int) ingesttest.Responder {
	return func(ingesttest.Request) ingesttest.Answer { return statusAnswer(status) }
}

// retryAfter is statusAnswer(status) with a Retry-After of seconds.
func retryAfter(status int, seconds string) ingesttest.Answer {
	a := statusAnswer(status)
	a.RetryAfter = seconds
	return a
}

// firstThenOK answers the first request with first, later ones with 200.
func firstThenOK(first ingesttest.Answer) ingesttest.Responder {
	return func(r ingesttest.Request) ingesttest.Answer {
		if r.N == 1 {
			return first
		}
		return ingesttest.OK(r)
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
