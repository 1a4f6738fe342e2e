package semanticmetricsprocessor

import (
	"context"
	"os"
	"sort"
	"testing"

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

func readme(t *testing.T) string {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	return string(b)
}

// Metric types, short for the test tables.
const (
	H  = pmetric.MetricTypeHistogram
	EH = pmetric.MetricTypeExponentialHistogram
	G  = pmetric.MetricTypeGauge
	S  = pmetric.MetricTypeSum
	SU = pmetric.MetricTypeSummary
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
	return addSum(ms, name, unit, mono, vals, pmetric.NumberDataPoint.SetIntValue)
}

func addDoubleSum(ms pmetric.MetricSlice, name, unit string, mono bool, vals ...float64) pmetric.Metric {
	return addSum(ms, name, unit, mono, vals, pmetric.NumberDataPoint.SetDoubleValue)
}

// addSum appends a cumulative Sum with one point per value, set by setValue.
func addSum[T int64 | float64](ms pmetric.MetricSlice, name, unit string, mono bool, vals []T, setValue func(pmetric.NumberDataPoint, T)) pmetric.Metric {
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
		setValue(dp, v)
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

// findingOf returns the finding of rule in the verdict of k, if any.
func findingOf(t *testing.T, a *analyzer, k cacheKey, rule string) (finding, bool) {
	t.Helper()
	for _, f := range a.analyze(k).findings {
		if f.rule == rule {
			return f, true
		}
	}
	return finding{}, false
}

func newTestSemanticProcessor(t testing.TB, mutate func(*Config)) *semanticProcessor {
	cfg := createDefaultConfig().(*Config)
	cfg.ReportInterval = 0
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	p, err := newSemanticProcessor(processortest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	return p
}
