package otlpguardextension

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The depth of decoded data, measured with pdata's API: the reference the scanners must meet.

func valueDepth(v pcommon.Value) int {
	deepest := 0
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := range s.Len() {
			deepest = max(deepest, valueDepth(s.At(i)))
		}
		return deepest + 1
	case pcommon.ValueTypeMap:
		for _, item := range v.Map().All() {
			deepest = max(deepest, valueDepth(item))
		}
		return deepest + 1
	}
	return 0
}

func mapDepth(m pcommon.Map) int {
	deepest := 0
	for _, v := range m.All() {
		deepest = max(deepest, valueDepth(v))
	}
	return deepest
}

func tracesDepth(td ptrace.Traces) int {
	deepest := 0
	for _, rs := range td.ResourceSpans().All() {
		deepest = max(deepest, mapDepth(rs.Resource().Attributes()))
		for _, ss := range rs.ScopeSpans().All() {
			deepest = max(deepest, mapDepth(ss.Scope().Attributes()))
			for _, span := range ss.Spans().All() {
				deepest = max(deepest, mapDepth(span.Attributes()))
				for _, e := range span.Events().All() {
					deepest = max(deepest, mapDepth(e.Attributes()))
				}
				for _, l := range span.Links().All() {
					deepest = max(deepest, mapDepth(l.Attributes()))
				}
			}
		}
	}
	return deepest
}

func logsDepth(ld plog.Logs) int {
	deepest := 0
	for _, rl := range ld.ResourceLogs().All() {
		deepest = max(deepest, mapDepth(rl.Resource().Attributes()))
		for _, sl := range rl.ScopeLogs().All() {
			deepest = max(deepest, mapDepth(sl.Scope().Attributes()))
			for _, lr := range sl.LogRecords().All() {
				deepest = max(deepest, mapDepth(lr.Attributes()), valueDepth(lr.Body()))
			}
		}
	}
	return deepest
}

func metricsDepth(md pmetric.Metrics) int {
	deepest := 0
	exemplars := func(es pmetric.ExemplarSlice) {
		for _, e := range es.All() {
			deepest = max(deepest, mapDepth(e.FilteredAttributes()))
		}
	}
	for _, rm := range md.ResourceMetrics().All() {
		deepest = max(deepest, mapDepth(rm.Resource().Attributes()))
		for _, sm := range rm.ScopeMetrics().All() {
			deepest = max(deepest, mapDepth(sm.Scope().Attributes()))
			for _, m := range sm.Metrics().All() {
				deepest = max(deepest, mapDepth(m.Metadata()))
				numbers := pmetric.NewNumberDataPointSlice()
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					numbers = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					numbers = m.Sum().DataPoints()
				case pmetric.MetricTypeHistogram:
					for _, dp := range m.Histogram().DataPoints().All() {
						deepest = max(deepest, mapDepth(dp.Attributes()))
						exemplars(dp.Exemplars())
					}
				case pmetric.MetricTypeExponentialHistogram:
					for _, dp := range m.ExponentialHistogram().DataPoints().All() {
						deepest = max(deepest, mapDepth(dp.Attributes()))
						exemplars(dp.Exemplars())
					}
				case pmetric.MetricTypeSummary:
					for _, dp := range m.Summary().DataPoints().All() {
						deepest = max(deepest, mapDepth(dp.Attributes()))
					}
				}
				for _, dp := range numbers.All() {
					deepest = max(deepest, mapDepth(dp.Attributes()))
					exemplars(dp.Exemplars())
				}
			}
		}
	}
	return deepest
}

// nest puts a value depth levels deep into v, alternating slices and maps.
func nest(v pcommon.Value, depth int) {
	for i := range depth {
		if i%2 == 0 {
			v = v.SetEmptySlice().AppendEmpty()
		} else {
			v = v.SetEmptyMap().PutEmpty("k")
		}
	}
	v.SetStr("leaf")
}
