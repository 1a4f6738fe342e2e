package semanticmetricsprocessor

import (
	"context"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadata"
)

const (
	ts0 = pcommon.Timestamp(1_700_000_000_000_000_000)
	ts1 = pcommon.Timestamp(1_700_000_060_000_000_000)
)

// ---- builders ----

func newMD(service string) (pmetric.Metrics, pmetric.MetricSlice) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	if service != "" {
		rm.Resource().Attributes().PutStr("service.name", service)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("test")
	return md, sm.Metrics()
}

func addGauge(ms pmetric.MetricSlice, name, unit string, vals ...float64) pmetric.Metric {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	dps := m.SetEmptyGauge().DataPoints()
	for i, v := range vals {
		dp := dps.AppendEmpty()
		dp.SetTimestamp(ts1)
		dp.Attributes().PutInt("i", int64(i))
		dp.SetDoubleValue(v)
	}
	return m
}

func addIntSum(ms pmetric.MetricSlice, name, unit string, mono bool, vals ...int64) pmetric.Metric {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	s := m.SetEmptySum()
	s.SetIsMonotonic(mono)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i, v := range vals {
		dp := s.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(ts0)
		dp.SetTimestamp(ts1)
		dp.Attributes().PutInt("i", int64(i))
		dp.SetIntValue(v)
	}
	return m
}

func addDoubleSum(ms pmetric.MetricSlice, name, unit string, mono bool, vals ...float64) pmetric.Metric {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	s := m.SetEmptySum()
	s.SetIsMonotonic(mono)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i, v := range vals {
		dp := s.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(ts0)
		dp.SetTimestamp(ts1)
		dp.Attributes().PutInt("i", int64(i))
		dp.SetDoubleValue(v)
	}
	return m
}

type histPoint struct {
	bounds        []float64
	counts        []uint64
	sum, min, max float64
	exemplar      float64
}

func addHistogram(ms pmetric.MetricSlice, name, unit string, temp pmetric.AggregationTemporality, pts ...histPoint) pmetric.Metric {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(temp)
	for i, p := range pts {
		dp := h.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(ts0)
		dp.SetTimestamp(ts1)
		dp.Attributes().PutStr("http.request.method", []string{"GET", "POST", "PUT"}[i%3])
		dp.ExplicitBounds().FromRaw(p.bounds)
		dp.BucketCounts().FromRaw(p.counts)
		var n uint64
		for _, c := range p.counts {
			n += c
		}
		dp.SetCount(n)
		dp.SetSum(p.sum)
		dp.SetMin(p.min)
		dp.SetMax(p.max)
		if p.exemplar != 0 {
			e := dp.Exemplars().AppendEmpty()
			e.SetTimestamp(ts1)
			e.SetDoubleValue(p.exemplar)
			e.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
			e.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
			e.FilteredAttributes().PutStr("k", "v")
		}
	}
	return m
}

// ---- harness ----

type harness struct {
	proc processor.Metrics
	sink *consumertest.MetricsSink
	logs *observer.ObservedLogs
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.ReportInterval = 0
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zapcore.InfoLevel)
	set := processortest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return &harness{proc: p, sink: sink, logs: logs}
}

func (h *harness) run(t *testing.T, md pmetric.Metrics) pmetric.Metrics {
	t.Helper()
	h.sink.Reset()
	require.NoError(t, h.proc.ConsumeMetrics(context.Background(), md))
	if len(h.sink.AllMetrics()) == 0 {
		return pmetric.NewMetrics()
	}
	require.Len(t, h.sink.AllMetrics(), 1)
	return h.sink.AllMetrics()[0]
}

func findingRules(h *harness) []string {
	var out []string
	for _, e := range h.logs.FilterMessageSnippet(findingMessagePrefix).All() {
		out = append(out, e.ContextMap()["metric"].(string)+" "+e.ContextMap()["rule"].(string)+" "+e.ContextMap()["action"].(string))
	}
	sort.Strings(out)
	return out
}

func metadataOf(md pmetric.Metrics) map[string]string {
	out := map[string]string{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if v, ok := ms.At(k).Metadata().Get(AnnotationKey); ok {
					out[ms.At(k).Name()] = v.AsString()
				}
			}
		}
	}
	return out
}

func clone(md pmetric.Metrics) pmetric.Metrics {
	c := pmetric.NewMetrics()
	md.CopyTo(c)
	return c
}

// ---- tests ----

// TestSeedRules checks the findings for the names and units found in the seed documents.
func TestSeedRules(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Mode = ActionNormalize
	cfg.Rules = map[string]Action{RuleNameMissingNamespace: ActionWarn}
	cfg.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
	cfg.CustomMetrics = []CustomMetric{{Name: "checkout.revenue", Unit: "USD", Type: TypeSum}}
	a, err := newAnalyzer(cfg)
	require.NoError(t, err)

	const (
		H  = pmetric.MetricTypeHistogram
		EH = pmetric.MetricTypeExponentialHistogram
		G  = pmetric.MetricTypeGauge
		S  = pmetric.MetricTypeSum
		SU = pmetric.MetricTypeSummary
	)
	tests := []struct {
		name, unit string
		typ        pmetric.MetricType
		mono       bool
		want       []string // "rule" or "rule+fix"
		rename     string
		newUnit    string
		factor     string
	}{
		// Obtrace canonical names: known and valid as they are.
		{name: "http_requests_total", unit: "1", typ: S, mono: true},
		{name: "latency_p95", unit: "ms", typ: G},
		{name: "runtime.cpu.utilization", unit: "%", typ: G},
		// Custom metrics.
		{name: "checkout.revenue", unit: "USD", typ: S, mono: true},
		{name: "checkout.revenue", unit: "EUR", typ: S, mono: true, want: []string{RuleUnitIncompatible}},
		{name: "checkout.revenue", unit: "USD", typ: G, want: []string{RuleInstrumentMismatch}},
		// Prometheus style through the alias table.
		{name: "http_request_duration_seconds", unit: "s", typ: H, want: []string{RuleNamePrometheusStyle + "+fix"}, rename: "http.server.request.duration"},
		{name: "http_request_duration_seconds", unit: "", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitMissing + "+fix"}, rename: "http.server.request.duration", newUnit: "s"},
		{name: "http_request_duration_seconds", unit: "ms", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitConvertible + "+fix"}, rename: "http.server.request.duration", newUnit: "s", factor: "1/1000"},
		{name: "http_request_duration_seconds", unit: "s", typ: SU, want: []string{RuleNamePrometheusStyle, RuleInstrumentMismatch}},
		// Prometheus style through the registry reverse index.
		{name: "http_server_request_duration_seconds", unit: "", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitMissing + "+fix"}, rename: "http.server.request.duration", newUnit: "s"},
		// Deprecated: validated against the rename target.
		{name: "http.server.duration", unit: "ms", typ: H, want: []string{RuleNameDeprecated + "+fix", RuleUnitConvertible + "+fix"}, rename: "http.server.request.duration", newUnit: "s", factor: "1/1000"},
		{name: "http.server.duration", unit: "s", typ: H, want: []string{RuleNameDeprecated + "+fix"}, rename: "http.server.request.duration"},
		{name: "http.server.duration", unit: "", typ: H, want: []string{RuleNameDeprecated, RuleUnitMissing}},
		{name: "http.server.duration", unit: "ms", typ: EH, want: []string{RuleNameDeprecated, RuleUnitConvertible}},
		{name: "http.server.duration", unit: "ms", typ: SU, want: []string{RuleNameDeprecated, RuleInstrumentMismatch, RuleUnitConvertible}},
		{name: "messaging.publish.duration", unit: "s", typ: H, want: []string{RuleNameDeprecated}},
		// Cycle in the schema rename chain: system.cpu.time is active.
		{name: "system.cpu.time", unit: "s", typ: S, mono: true},
		// Known metrics.
		{name: "http.server.request.duration", unit: "s", typ: H},
		{name: "http.server.request.duration", unit: "s", typ: EH},
		{name: "http.server.request.duration", unit: "ms", typ: H, want: []string{RuleUnitConvertible + "+fix"}, newUnit: "s", factor: "1/1000"},
		{name: "http.server.request.duration", unit: "milliseconds", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix", RuleUnitConvertible + "+fix"}, newUnit: "s", factor: "1/1000"},
		{name: "http.server.request.duration", unit: "By", typ: H, want: []string{RuleUnitIncompatible}},
		{name: "http.server.request.duration", unit: "s", typ: SU, want: []string{RuleInstrumentMismatch}},
		{name: "http.server.active_requests", unit: "{requests}", typ: S, want: []string{RuleUnitAnnotation + "+fix"}, newUnit: "{request}"},
		{name: "http.server.active_requests", unit: "", typ: S, want: []string{RuleUnitAnnotation + "+fix"}, newUnit: "{request}"},
		{name: "jvm.thread.count", unit: "{thread}", typ: G, want: []string{RuleInstrumentMismatch}},
		{name: "system.memory.usage", unit: "s", typ: S, want: []string{RuleUnitIncompatible}},
		// Unknown names from the seeds.
		{name: "dice.rolls", unit: "", typ: S, mono: true},
		{name: "db.connections.active", unit: "1", typ: S},
		{name: "system_cpu_percent", unit: "%", typ: G, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "system_memory_bytes", unit: "By", typ: G, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "orders_created_total", unit: "1", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleNameTotalSuffix}},
		{name: "order_value_dollars", unit: "USD", typ: H, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "arms_python_process_runtime_cpython_context_switches", unit: "switches", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleUnitInvalidUCUM + "+fix"}, newUnit: "{switch}"},
		{name: "process.runtime.cpython.context_switches", unit: "switches", typ: S, mono: true, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "{switch}"},
		{name: "acme.request.latency", unit: "milliseconds", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "ms"},
		{name: "acme.payload", unit: "bytes", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "By"},
		{name: "acme.load", unit: "percent", typ: G, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "%"},
		{name: "acme.uptime", unit: "seconds", typ: G, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "s"},
		{name: "acme.size", unit: "KB", typ: G, want: []string{RuleUnitInvalidUCUM}},
		// Lint rules.
		{name: "2xx responses", unit: "1", typ: S, mono: true, want: []string{RuleNameSyntax}},
		{name: "MyApp.RequestCount", unit: "1", typ: S, mono: true, want: []string{RuleNameFormat}},
		{name: "acme.jobs_total", unit: "{job}", typ: S, mono: true, want: []string{RuleNameTotalSuffix}},
		{name: "acme.queue_total", unit: "{job}", typ: S, mono: false, want: []string{RuleNameTotalSuffix}},
		{name: "acme.query.duration_ms", unit: "ms", typ: H, want: []string{RuleNameUnitSuffix}},
		{name: "acme.latency_seconds", unit: "ms", typ: H, want: []string{RuleNameUnitSuffix, RuleUnitNameContradict}},
		{name: "process_cpu_seconds_total", unit: "", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleNameTotalSuffix, RuleNameUnitSuffix, RuleUnitMissing + "+fix"}, newUnit: "s"},
		{name: "acme.cpu.utilization", unit: "%", typ: G, want: []string{RuleUnitUtilization + "+fix"}, newUnit: "1", factor: "1/100"},
		{name: "acme.cpu.utilization", unit: "%", typ: EH, want: []string{RuleUnitUtilization}},
		{name: "acme.packets", unit: "1{packet}", typ: S, mono: true, want: []string{RuleUnitLeadingOne + "+fix"}, newUnit: "{packet}"},
		{name: "acme.switches", unit: "{switches}", typ: S, mono: true, want: []string{RuleUnitAnnotationPlural + "+fix"}, newUnit: "{switch}"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.unit+"/"+tt.typ.String(), func(t *testing.T) {
			v := a.analyze(cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ, mono: tt.mono})
			var got []string
			for _, f := range v.findings {
				if f.fix {
					got = append(got, f.rule+"+fix")
				} else {
					got = append(got, f.rule)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			assert.Equal(t, want, got)
			if tt.rename == "" && tt.newUnit == "" {
				assert.Nil(t, v.plan)
				return
			}
			require.NotNil(t, v.plan)
			assert.Equal(t, tt.rename, v.plan.rename)
			if tt.newUnit != "" {
				assert.True(t, v.plan.setUnit)
				assert.Equal(t, tt.newUnit, v.plan.unit)
			}
			if tt.factor == "" {
				assert.Nil(t, v.plan.conv)
			} else {
				require.NotNil(t, v.plan.conv)
				assert.Equal(t, tt.factor, v.plan.conv.rat.RatString())
			}
		})
	}
}

func TestLevels(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionWarn})
	require.NoError(t, err)
	level := func(name, unit string, typ pmetric.MetricType, mono bool, rule string) Level {
		for _, f := range a.analyze(cacheKey{name, unit, typ, mono}).findings {
			if f.rule == rule {
				return f.level
			}
		}
		t.Fatalf("%s: no %s finding", name, rule)
		return 0
	}
	assert.Equal(t, LevelInformation, level("jvm.thread.count", "{thread}", pmetric.MetricTypeGauge, false, RuleInstrumentMismatch))
	assert.Equal(t, LevelViolation, level("http.server.request.duration", "s", pmetric.MetricTypeSummary, false, RuleInstrumentMismatch))
	assert.Equal(t, LevelImprovement, level("acme.jobs_total", "{job}", pmetric.MetricTypeSum, true, RuleNameTotalSuffix))
	assert.Equal(t, LevelViolation, level("acme.jobs_total", "{job}", pmetric.MetricTypeSum, false, RuleNameTotalSuffix))
	assert.Equal(t, LevelViolation, level("acme.jobs_total", "{job}", pmetric.MetricTypeGauge, false, RuleNameTotalSuffix))
}

func TestSuggestFormat(t *testing.T) {
	for in, want := range map[string]string{
		"MyApp.RequestCount":  "myapp.request_count",
		"http-server.latency": "http_server.latency",
		"acme.HTTPServer":     "acme.http_server",
		"acme..x__y_":         "acme.x_y",
		"Acme/Jobs.Count":     "acme_jobs.count",
	} {
		assert.Equal(t, want, suggestFormat(in), in)
		assert.True(t, formatOK(want), want)
	}
}

func TestSyntaxAndFormat(t *testing.T) {
	for name, want := range map[string][2]bool{
		"dice.rolls":              {true, true},
		"http_requests_total":     {true, true},
		"2xx responses":           {false, false},
		"MyApp.RequestCount":      {true, false},
		"http-server.latency":     {true, false},
		"a..b":                    {true, false},
		"a.b_":                    {true, false},
		"":                        {false, false},
		"a/b":                     {true, false},
		string(make([]byte, 300)): {false, false},
	} {
		assert.Equal(t, want[0], syntaxOK(name), "syntax %q", name)
		assert.Equal(t, want[1], formatOK(name), "format %q", name)
	}
}
