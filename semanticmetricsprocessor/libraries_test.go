package semanticmetricsprocessor

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Findings on metrics that real instrumentation libraries emit (issue 11).
// Every row names the library and the version the metric comes from.

type libraryCase struct {
	library    string // library and version the metric comes from
	name, unit string
	typ        pmetric.MetricType
	mono       bool
	// want lists rule@level for every finding, in order; nil = compliant.
	want []string
	// rename and unit are what normalize does ("" = not renamed / unit kept).
	rename, newUnit string
	detail          string // a substring of the first finding's message
}

func runLibraryCases(t *testing.T, cases []libraryCase) {
	t.Helper()
	a, err := newAnalyzer(&Config{Mode: ActionNormalize})
	require.NoError(t, err)
	for _, tt := range cases {
		t.Run(tt.library+"/"+tt.name, func(t *testing.T) {
			v := a.analyze(cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ, mono: tt.mono})
			var got []string
			for _, f := range v.findings {
				got = append(got, f.rule+"@"+f.level.String())
			}
			assert.Equal(t, tt.want, got)
			rename, unit := "", ""
			if v.plan != nil {
				rename = v.plan.rename
				if v.plan.setUnit {
					unit = v.plan.unit
				}
			}
			assert.Equal(t, tt.rename, rename, "rename")
			assert.Equal(t, tt.newUnit, unit, "unit")
			if tt.detail != "" {
				require.NotEmpty(t, v.findings)
				assert.Contains(t, v.findings[0].msg, tt.detail)
			}
		})
	}
}

// Case 2: the Obtrace SDKs' own spellings are canonical: delivered unchanged.
func TestObtraceSDKSpellings(t *testing.T) {
	runLibraryCases(t, []libraryCase{
		{library: "Obtrace JS SDK (installWebVitals)", name: "web_vital_cls", unit: "1", typ: G},
		{library: "Obtrace JS SDK (installWebVitals)", name: "web_vital_lcp_ms", unit: "ms", typ: G},
		{library: "Obtrace JS SDK (installWebVitals)", name: "web_vital_fcp_ms", unit: "ms", typ: G},
		{library: "Obtrace JS SDK (installWebVitals)", name: "web_vital_inp_ms", unit: "ms", typ: G},
		{library: "Obtrace JS SDK (installWebVitals)", name: "web_vital_ttfb_ms", unit: "ms", typ: G},
		{library: "obtrace-ingest.md canonical list", name: "web.vital.cls", unit: "1", typ: G},
		{library: "obtrace-ingest.md canonical list", name: "http_requests_total", unit: "1", typ: S, mono: true},
	})
}

// Case 3: Prometheus spellings of deprecated metrics.
func TestPrometheusSpellingsOfDeprecated(t *testing.T) {
	runLibraryCases(t, []libraryCase{
		{library: "otelhttp v0.48 through the Prometheus exporter", name: "http_server_duration_milliseconds", unit: "", typ: H,
			want:   []string{RuleNameDeprecated + "@violation", RuleUnitMissing + "@improvement", RuleUnitConvertible + "@violation"},
			rename: "http.server.request.duration", newUnit: "s", detail: "Prometheus-style name of http.server.duration, deprecated"},
		{library: "otelhttp v0.48 through the Prometheus exporter (unit kept)", name: "http_server_duration_milliseconds", unit: "ms", typ: H,
			want:   []string{RuleNameDeprecated + "@violation", RuleUnitConvertible + "@violation"},
			rename: "http.server.request.duration", newUnit: "s"},
		{library: "otelhttp v0.49 through the Prometheus exporter", name: "http_server_request_size_bytes_total", unit: "", typ: S, mono: true,
			want:   []string{RuleNameDeprecated + "@violation", RuleInstrumentMismatch + "@violation", RuleUnitMissing + "@improvement"},
			detail: "renamed to http.server.request.body.size"},
	})
}

// Case 4: renames that the libraries made and the schema files do not list.
func TestLibraryRenamesNotInSchema(t *testing.T) {
	runLibraryCases(t, []libraryCase{
		// otelhttp's counters: the successor is a histogram, so not renamed.
		{library: "otelhttp Transport v0.49", name: "http.client.request.size", unit: "By", typ: S, mono: true,
			want: []string{RuleNameDeprecated + "@violation", RuleInstrumentMismatch + "@violation"}, detail: "renamed to http.client.request.body.size"},
		{library: "otelhttp Transport v0.49", name: "http.client.response.size", unit: "By", typ: S, mono: true,
			want: []string{RuleNameDeprecated + "@violation", RuleInstrumentMismatch + "@violation"}, detail: "renamed to http.client.response.body.size"},
		// semconv 1.21's histogram of the same name (Java agent 1.x): one-to-one.
		{library: "Java agent 1.x (semconv 1.21)", name: "http.client.request.size", unit: "By", typ: H,
			want: []string{RuleNameDeprecated + "@violation"}, rename: "http.client.request.body.size"},
		{library: "otelhttp v0.48", name: "http.server.request_content_length", unit: "By", typ: S, mono: true,
			want: []string{RuleNameDeprecated + "@violation", RuleInstrumentMismatch + "@violation"}, detail: "renamed to http.server.request.body.size"},
		{library: "Java agent 1.x (runtime-telemetry-java8)", name: "process.runtime.jvm.gc.duration", unit: "ms", typ: H,
			want: []string{RuleNameDeprecated + "@violation", RuleUnitConvertible + "@violation"}, rename: "jvm.gc.duration", newUnit: "s"},
		{library: "Java agent 1.x", name: "process.runtime.jvm.memory.pool.usage", unit: "By", typ: S,
			want: []string{RuleNameDeprecated + "@violation"}, detail: "replaced by the jvm.* metrics"},
		{library: "contrib runtime v0.51.0", name: "process.runtime.go.goroutines", unit: "{goroutine}", typ: S,
			want: []string{RuleNameDeprecated + "@violation"}, rename: "go.goroutine.count"},
		{library: "contrib runtime v0.51.0", name: "process.runtime.go.mem.heap_alloc", unit: "By", typ: S,
			want: []string{RuleNameDeprecated + "@violation"}, detail: "replaced by the go.* metrics"},
		{library: "contrib runtime v0.2x", name: "runtime.go.mem.heap_alloc", unit: "By", typ: S,
			want: []string{RuleNameDeprecated + "@violation"}, detail: "replaced by the go.* metrics"},
		{library: "contrib runtime v0.51.0", name: "runtime.uptime", unit: "ms", typ: S, mono: true,
			want: []string{RuleNameDeprecated + "@violation", RuleInstrumentMismatch + "@violation", RuleUnitConvertible + "@violation"}, detail: "renamed to process.uptime"},
		{library: "OpenTelemetry.Instrumentation.Runtime 1.9", name: "process.runtime.dotnet.gc.collections.count", unit: "{collections}", typ: S, mono: true,
			want: []string{RuleNameDeprecated + "@violation", RuleUnitAnnotation + "@improvement"}, rename: "dotnet.gc.collections", newUnit: "{collection}"},
		{library: "OpenTelemetry.Instrumentation.Runtime 1.9", name: "process.runtime.dotnet.gc.heap.size", unit: "By", typ: G,
			want: []string{RuleNameDeprecated + "@violation"}, detail: "replaced by the dotnet.* metrics"},
		{library: "opentelemetry-instrumentation-system-metrics 0.4xb0", name: "system.thread_count", unit: "", typ: S,
			want: []string{RuleNameDeprecated + "@violation"}, detail: "replaced by process.thread.count"},
	})
}

// Case 5: a unit word is translated only when the name does not contradict it.
func TestUnitWordAgainstName(t *testing.T) {
	runLibraryCases(t, []libraryCase{
		{library: "opentelemetry-instrumentation-system-metrics 0.3xb0", name: "runtime.cpython.gc_count", unit: "bytes", typ: S, mono: true,
			want: []string{RuleUnitInvalidUCUM + "@violation"}, detail: "the name counts events"},
		{library: "hypothetical acme SDK", name: "acme.gc.collections", unit: "bytes", typ: S, mono: true,
			want: []string{RuleUnitInvalidUCUM + "@violation"}, detail: "the name counts events"},
		{library: "opentelemetry-instrumentation-system-metrics 0.3xb0", name: "runtime.cpython.memory", unit: "bytes", typ: S,
			want: []string{RuleUnitInvalidUCUM + "@violation"}, newUnit: "By"},
		{library: "Alibaba ARMS Python agent", name: "arms_python_process_runtime_cpython_context_switches", unit: "switches", typ: S, mono: true,
			want: []string{RuleUnitInvalidUCUM + "@violation"}, newUnit: "{switch}"},
	})
}

// Case 6: a suggestion must measure the same thing.
func TestNoMisleadingSuggestion(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionNormalize})
	require.NoError(t, err)
	for _, tt := range []struct {
		library, name, unit string
		typ                 pmetric.MetricType
		mono                bool
	}{
		{"hostmetrics filesystem scraper", "system.filesystem.inodes.usage", "{inode}", S, false},
		{"kubeletstats receiver", "k8s.pod.cpu_limit_utilization", "1", G, false},
		{".NET 8 System.Net.Http", "http.client.request.time_in_queue", "s", H, false},
		{"hypothetical process SDK", "process.cpu.count", "{cpu}", S, false},
		{"hostmetrics network scraper", "system.network.conntrack.count", "{entry}", S, false},
	} {
		t.Run(tt.library+"/"+tt.name, func(t *testing.T) {
			f, ok := findingOf(t, a, cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ, mono: tt.mono}, RuleNameSquatsNamespace)
			assert.False(t, ok, "misleading suggestion: %s", f.msg)
		})
	}
	for _, tt := range []struct{ name, cand string }{
		{"http.server.latency", "http.server.request.duration"},
		{"system.memory.used", "system.memory.usage"},
	} {
		assert.True(t, closeWords(tt.name, tt.cand), tt.name)
	}
}

// Case 8: Prometheus client-library defaults: _total and the unit in the name
// are what the Prometheus conventions require: information, not improvement.
// The unit inferred from the suffix stays.
func TestPrometheusClientDefaults(t *testing.T) {
	runLibraryCases(t, []libraryCase{
		{library: "client_golang v1.x process collector", name: "process_cpu_seconds_total", unit: "", typ: S, mono: true,
			want: []string{RuleNameTotalSuffix + "@information", RuleNameUnitSuffix + "@information", RuleUnitMissing + "@improvement"}, newUnit: "s"},
		{library: "client_golang v1.x Go collector", name: "go_memstats_alloc_bytes_total", unit: "", typ: S, mono: true,
			want: []string{RuleNameTotalSuffix + "@information", RuleNameUnitSuffix + "@information", RuleUnitMissing + "@improvement"}, newUnit: "By"},
		{library: "prometheus_client (Python) 0.x gc collector", name: "python_gc_objects_collected_total", unit: "", typ: S, mono: true,
			want: []string{RuleNameTotalSuffix + "@information"}},
		{library: "client_golang v1.x promhttp", name: "promhttp_metric_handler_requests_total", unit: "", typ: S, mono: true,
			want: []string{RuleNameTotalSuffix + "@information"}},
		// A dotted name is not in Prometheus form: still an improvement.
		{library: "hypothetical acme SDK", name: "acme.orders_created_total", unit: "1", typ: S, mono: true,
			want: []string{RuleNameTotalSuffix + "@improvement"}},
	})
}

// Case 7: the H1 diagnosis says what is wrong: the data (ms in s) or the
// bucket layout (seconds in the SDK default ms bounds).
func TestHistogramDiagnosis(t *testing.T) {
	cumulative := pmetric.AggregationTemporalityCumulative
	advice := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	for _, tt := range []struct {
		library string
		build   func(ms pmetric.MetricSlice)
		detail  string // "" = no finding
	}{
		{"Go SDK without the semconv view: seconds in the default ms bounds, mean 0.2 s", func(ms pmetric.MetricSlice) {
			addHistogram(ms, "http.server.request.duration", "s", cumulative,
				histPoint{bounds: msBounds, counts: []uint64{0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, sum: 2, min: 0.1, max: 0.3})
		}, "the bucket layout is"},
		{"any SDK: ms values in the default ms bounds labelled s", func(ms pmetric.MetricSlice) {
			addHistogram(ms, "http.server.request.duration", "s", cumulative,
				histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9})
		}, "probably ms mislabelled as s"},
		{"hand-rolled instrumentation: ms values in the semconv advice bounds, mean 8.4 s", func(ms pmetric.MetricSlice) {
			addHistogram(ms, "http.server.request.duration", "s", cumulative,
				histPoint{bounds: advice, counts: []uint64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 3, 2}, sum: 84, min: 3, max: 9.9})
		}, "probably ms mislabelled as s"},
		{"semconv advice bounds with plausible seconds: nothing", func(ms pmetric.MetricSlice) {
			addHistogram(ms, "http.server.request.duration", "s", cumulative,
				histPoint{bounds: advice, counts: []uint64{0, 2, 3, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, sum: 2, min: 0.01, max: 0.6})
		}, ""},
	} {
		t.Run(tt.library, func(t *testing.T) {
			h := newHarness(t, nil)
			md, ms := newMD("checkout-api")
			tt.build(ms)
			h.run(t, md)
			lines := h.logs.FilterMessageSnippet(findingMessagePrefix).All()
			if tt.detail == "" {
				assert.Empty(t, lines)
				return
			}
			require.Len(t, lines, 1)
			assert.Equal(t, RuleHistogramBoundsVsUnit, lines[0].ContextMap()["rule"])
			assert.Contains(t, lines[0].ContextMap()["detail"], tt.detail)
			if tt.detail == "the bucket layout is" {
				assert.NotContains(t, lines[0].ContextMap()["detail"], "mislabelled")
				assert.Contains(t, lines[0].ContextMap()["detail"], "semconv advice bounds [0.005")
			}
		})
	}
}

// TestFindingLinesSurviveLogSampling: under the collector's default log
// sampling (zap: per message, the first 10 a second, then every 100th), every
// finding line is kept: the message names the rule and the metric.
func TestFindingLinesSurviveLogSampling(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	sampled := zapcore.NewSamplerWithOptions(core, time.Second, 10, 100)
	p := newTestSemanticProcessor(t, nil)
	p.reporter = newReporter(zap.New(sampled))
	md, ms := newMD("checkout-api")
	for i := range maxLogsPerSecond {
		addIntSum(ms, fmt.Sprintf("acme.jobs_%02d_total", i), "{job}", true, 1)
	}
	_, err := p.processMetrics(t.Context(), md)
	require.NoError(t, err)
	assert.Equal(t, maxLogsPerSecond, logs.FilterMessageSnippet(findingMessagePrefix).Len(),
		"all %d lines (one rule, distinct metrics) pass a sampler that keeps 10 of one message", maxLogsPerSecond)
	assert.Equal(t, "semantic metric finding name.total_suffix acme.jobs_00_total", logs.All()[0].Message)
}
