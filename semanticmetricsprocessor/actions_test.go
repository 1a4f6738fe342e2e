package semanticmetricsprocessor

import (
	"context"
	"math"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadatatest"
)

var (
	msBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
	sBounds  = []float64{0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	counts16 = []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
)

// legacyHTTP is the Python SDK's client.metric("http.server.duration", 142.5, "ms") as a histogram.
func legacyHTTP(ms pmetric.MetricSlice, temp pmetric.AggregationTemporality) pmetric.Metric {
	return addHistogram(ms, "http.server.duration", "ms", temp,
		histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9, exemplar: 142.5},
		histPoint{bounds: msBounds, counts: counts16, sum: 7, min: 1, max: 5, exemplar: 5})
}

func normalizedHTTP(ms pmetric.MetricSlice, temp pmetric.AggregationTemporality) pmetric.Metric {
	return addHistogram(ms, "http.server.request.duration", "s", temp,
		histPoint{bounds: sBounds, counts: counts16, sum: 1.2345, min: 0.0009, max: 0.009, exemplar: 0.1425},
		histPoint{bounds: sBounds, counts: counts16, sum: 0.007, min: 0.001, max: 0.005, exemplar: 0.005})
}

func TestActionsOnDeprecatedHistogram(t *testing.T) {
	cumulative := pmetric.AggregationTemporalityCumulative
	tests := []struct {
		mode     Action
		expected func() pmetric.Metrics
		meta     map[string]string
		logs     []string
	}{
		{
			mode: ActionWarn,
			expected: func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				legacyHTTP(ms, cumulative)
				return md
			},
			meta: map[string]string{},
			logs: []string{"http.server.duration name.deprecated warn", "http.server.duration unit.mismatch.convertible warn"},
		},
		{
			mode: ActionAnnotate,
			expected: func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				legacyHTTP(ms, cumulative)
				return md
			},
			meta: map[string]string{"http.server.duration": "name.deprecated,unit.mismatch.convertible"},
			logs: []string{"http.server.duration name.deprecated annotate", "http.server.duration unit.mismatch.convertible annotate"},
		},
		{
			mode: ActionNormalize,
			expected: func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				normalizedHTTP(ms, cumulative)
				return md
			},
			meta: map[string]string{},
			logs: []string{"http.server.duration name.deprecated normalize", "http.server.duration unit.mismatch.convertible normalize"},
		},
		{
			mode:     ActionDrop,
			expected: pmetric.NewMetrics,
			meta:     map[string]string{},
			logs:     []string{"http.server.duration name.deprecated drop", "http.server.duration unit.mismatch.convertible drop"},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Mode = tt.mode })
			md, ms := newMD("checkout-api")
			legacyHTTP(ms, cumulative)
			out := h.run(t, md)
			require.NoError(t, pmetrictest.CompareMetrics(tt.expected(), out))
			assert.Equal(t, tt.meta, metadataOf(out))
			assert.Equal(t, tt.logs, findingRules(h))
		})
	}
}

// TestShortestDecimalBounds: bounds are divided, not multiplied by 0.001.
func TestShortestDecimalBounds(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
	md, ms := newMD("svc")
	addHistogram(ms, "http.server.duration", "ms", pmetric.AggregationTemporalityCumulative,
		histPoint{bounds: []float64{3, 5, 9, 7.5, 1e-3}, counts: []uint64{1, 1, 1, 1, 1, 1}, sum: 9, min: 3, max: 9})
	out := h.run(t, md)
	m := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
	dp := m.Histogram().DataPoints().At(0)
	assert.Equal(t, []float64{0.003, 0.005, 0.009, 0.0075, 1e-6}, dp.ExplicitBounds().AsRaw())
	assert.Equal(t, 0.009, dp.Sum())
	nine, milli := 9.0, 0.001
	assert.NotEqual(t, nine*milli, dp.Sum(), "multiplication would give 0.009000000000000001")
}

func TestConversionPerType(t *testing.T) {
	custom := []CustomMetric{
		{Name: "acme.latency", Unit: "s", Type: TypeGauge},
		{Name: "acme.io", Unit: "By", Type: TypeCounter},
		{Name: "acme.wait", Unit: "s", Type: TypeCounter},
		{Name: "acme.size", Unit: "By", Type: TypeHistogram},
		{Name: "acme.rpc", Unit: "s", Type: TypeSummary},
	}
	h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize; c.CustomMetrics = custom })
	run := func(build func(ms pmetric.MetricSlice)) pmetric.Metric {
		md, ms := newMD("svc")
		build(ms)
		out := h.run(t, md)
		return out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
	}

	t.Run("gauge double, NaN and flags kept", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			m := addGauge(ms, "acme.latency", "ms", 142.5, math.NaN(), 5)
			m.Gauge().DataPoints().At(2).SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
		})
		assert.Equal(t, "s", m.Unit())
		dps := m.Gauge().DataPoints()
		assert.Equal(t, 0.1425, dps.At(0).DoubleValue())
		assert.True(t, math.IsNaN(dps.At(1).DoubleValue()))
		assert.Equal(t, 0.005, dps.At(2).DoubleValue())
		assert.True(t, dps.At(2).Flags().NoRecordedValue())
		assert.Equal(t, ts1, dps.At(2).Timestamp())
		v, _ := dps.At(1).Attributes().Get("i")
		assert.Equal(t, int64(1), v.Int())
	})

	t.Run("int sum, whole factor stays int", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) { addIntSum(ms, "acme.io", "KiBy", true, 1, 3) })
		expMD, expMS := newMD("svc")
		addIntSum(expMS, "acme.io", "By", true, 1024, 3072)
		got, gotMS := newMD("svc")
		m.CopyTo(gotMS.AppendEmpty())
		require.NoError(t, pmetrictest.CompareMetrics(expMD, got))
	})

	t.Run("int sum, overflow promotes every point to double", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) { addIntSum(ms, "acme.io", "KiBy", true, 1, math.MaxInt64/2) })
		dps := m.Sum().DataPoints()
		assert.Equal(t, pmetric.NumberDataPointValueTypeDouble, dps.At(0).ValueType())
		assert.Equal(t, 1024.0, dps.At(0).DoubleValue())
		assert.Equal(t, float64(math.MaxInt64/2)*1024, dps.At(1).DoubleValue())
	})

	t.Run("int sum, fractional factor promotes to double", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			m := addIntSum(ms, "acme.wait", "ms", true, 1500, 7)
			e := m.Sum().DataPoints().At(0).Exemplars().AppendEmpty()
			e.SetIntValue(9)
			e.SetTraceID(pcommon.TraceID{9})
		})
		expMD, expMS := newMD("svc")
		exp := addDoubleSum(expMS, "acme.wait", "s", true, 1.5, 0.007)
		e := exp.Sum().DataPoints().At(0).Exemplars().AppendEmpty()
		e.SetDoubleValue(0.009)
		e.SetTraceID(pcommon.TraceID{9})
		got, gotMS := newMD("svc")
		m.CopyTo(gotMS.AppendEmpty())
		require.NoError(t, pmetrictest.CompareMetrics(expMD, got))
		assert.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
		assert.True(t, m.Sum().IsMonotonic())
	})

	t.Run("exponential histogram, power of 2 shifts offsets", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			m := ms.AppendEmpty()
			m.SetName("acme.size")
			m.SetUnit("KiBy")
			eh := m.SetEmptyExponentialHistogram()
			eh.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			for _, scale := range []int32{0, 3, -1} {
				dp := eh.DataPoints().AppendEmpty()
				dp.SetScale(scale)
				dp.SetCount(6)
				dp.SetSum(10)
				dp.SetMin(0.5)
				dp.SetMax(4)
				dp.SetZeroThreshold(0.25)
				dp.SetZeroCount(1)
				dp.Positive().SetOffset(-2)
				dp.Positive().BucketCounts().FromRaw([]uint64{1, 2, 2})
				dp.Negative().SetOffset(1)
			}
		})
		assert.Equal(t, "By", m.Unit())
		dps := m.ExponentialHistogram().DataPoints()
		for i, shift := range []int32{10, 80, 5} {
			dp := dps.At(i)
			assert.Equal(t, -2+shift, dp.Positive().Offset(), "scale %d", dp.Scale())
			assert.Equal(t, 1+shift, dp.Negative().Offset())
			assert.Equal(t, 10240.0, dp.Sum())
			assert.Equal(t, 512.0, dp.Min())
			assert.Equal(t, 4096.0, dp.Max())
			assert.Equal(t, 256.0, dp.ZeroThreshold())
			assert.Equal(t, []uint64{1, 2, 2}, dp.Positive().BucketCounts().AsRaw())
			assert.Equal(t, uint64(1), dp.ZeroCount())
		}
	})

	t.Run("exponential histogram, inexact shift is annotated not converted", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			m := ms.AppendEmpty()
			m.SetName("acme.size")
			m.SetUnit("KiBy")
			eh := m.SetEmptyExponentialHistogram()
			for _, scale := range []int32{0, -4} { // 10 / 2^4 is not an integer
				dp := eh.DataPoints().AppendEmpty()
				dp.SetScale(scale)
				dp.SetSum(10)
				dp.Positive().SetOffset(3)
			}
		})
		assert.Equal(t, "KiBy", m.Unit())
		assert.Equal(t, int32(3), m.ExponentialHistogram().DataPoints().At(0).Positive().Offset())
		assert.Equal(t, 10.0, m.ExponentialHistogram().DataPoints().At(0).Sum())
		v, ok := m.Metadata().Get(AnnotationKey)
		require.True(t, ok)
		assert.Equal(t, RuleUnitConvertible, v.Str())
	})

	t.Run("summary quantiles and sum", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			m := ms.AppendEmpty()
			m.SetName("acme.rpc")
			m.SetUnit("ms")
			dp := m.SetEmptySummary().DataPoints().AppendEmpty()
			dp.SetCount(4)
			dp.SetSum(250)
			for _, q := range [][2]float64{{0.5, 5}, {0.95, 9}, {0.99, 75}} {
				qv := dp.QuantileValues().AppendEmpty()
				qv.SetQuantile(q[0])
				qv.SetValue(q[1])
			}
		})
		assert.Equal(t, "s", m.Unit())
		dp := m.Summary().DataPoints().At(0)
		assert.Equal(t, uint64(4), dp.Count())
		assert.Equal(t, 0.25, dp.Sum())
		var qs, vs []float64
		for i := 0; i < dp.QuantileValues().Len(); i++ {
			qs = append(qs, dp.QuantileValues().At(i).Quantile())
			vs = append(vs, dp.QuantileValues().At(i).Value())
		}
		assert.Equal(t, []float64{0.5, 0.95, 0.99}, qs)
		assert.Equal(t, []float64{0.005, 0.009, 0.075}, vs)
	})

	t.Run("utilization percent to 1", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) { addGauge(ms, "acme.cpu.utilization", "%", 87, 12.5) })
		assert.Equal(t, "1", m.Unit())
		assert.Equal(t, 0.87, m.Gauge().DataPoints().At(0).DoubleValue())
		assert.Equal(t, 0.125, m.Gauge().DataPoints().At(1).DoubleValue())
	})

	t.Run("unit word relabelled without scaling", func(t *testing.T) {
		m := run(func(ms pmetric.MetricSlice) {
			addIntSum(ms, "arms_python_process_runtime_cpython_context_switches", "switches", true, 0, 1748)
		})
		assert.Equal(t, "{switch}", m.Unit())
		assert.Equal(t, int64(1748), m.Sum().DataPoints().At(1).IntValue())
		assert.Equal(t, "arms_python_process_runtime_cpython_context_switches", m.Name())
	})
}

func TestSeedsUntouched(t *testing.T) {
	for _, mode := range []Action{ActionWarn, ActionAnnotate, ActionNormalize, ActionDrop} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Mode = mode
				c.CustomMetrics = []CustomMetric{{Name: "checkout.revenue", Unit: "USD", Type: TypeSum}}
			})
			build := func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				addIntSum(ms, "http_requests_total", "1", true, 10, 20)
				addIntSum(ms, "http_5xx_total", "1", true, 1)
				addGauge(ms, "latency_p95", "ms", 240)
				addIntSum(ms, "dice.rolls", "", true, 3)
				addIntSum(ms, "db.connections.active", "1", false, 4)
				addDoubleSum(ms, "checkout.revenue", "USD", true, 49.99)
				addHistogram(ms, "http.server.request.duration", "s", pmetric.AggregationTemporalityCumulative,
					histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
				return md
			}
			out := h.run(t, build())
			require.NoError(t, pmetrictest.CompareMetrics(build(), out))
			assert.Empty(t, metadataOf(out))
			assert.Empty(t, findingRules(h))
		})
	}
}

// TestDupMigration: with OTEL_SEMCONV_STABILITY_OPT_IN=http/dup the Python
// (opentelemetry-instrumentation-*, 0.48b0+), Java agent (1.x with
// otel.semconv-stability.opt-in=http/dup), Go (otelhttp v0.5x) and .NET
// (OpenTelemetry.Instrumentation.AspNetCore 1.x) instrumentations send both
// generations of the same requests in one scope. normalize drops the legacy
// copy (counted and reported) instead of merging it: the delivered request
// count equals the requests made.
func TestDupMigration(t *testing.T) {
	cumulative, delta := pmetric.AggregationTemporalityCumulative, pmetric.AggregationTemporalityDelta
	const requests = 10
	oneBucket := func(bucket int) []uint64 {
		c := make([]uint64, 16)
		c[bucket] = requests
		return c
	}
	for _, tt := range []struct {
		name        string
		legacyFirst bool
		legacyTemp  pmetric.AggregationTemporality
	}{
		{"legacy first", true, cumulative},
		{"legacy last", false, cumulative},
		{"temporality differs", true, delta},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
			md, ms := newMD("checkout-api")
			legacy := func() {
				addHistogram(ms, "http.server.duration", "ms", tt.legacyTemp,
					histPoint{bounds: msBounds, counts: oneBucket(7), sum: 2000, min: 150, max: 250})
			}
			if tt.legacyFirst {
				legacy()
			}
			addHistogram(ms, "http.server.request.duration", "s", cumulative,
				histPoint{bounds: sBounds, counts: oneBucket(8), sum: 2, min: 0.15, max: 0.25})
			if !tt.legacyFirst {
				legacy()
			}
			out := h.run(t, md)
			var delivered uint64
			rms := out.ResourceMetrics()
			for i := 0; i < rms.Len(); i++ {
				for j := 0; j < rms.At(i).ScopeMetrics().Len(); j++ {
					ms := rms.At(i).ScopeMetrics().At(j).Metrics()
					for k := 0; k < ms.Len(); k++ {
						m := ms.At(k)
						assert.Equal(t, "http.server.request.duration", m.Name())
						for d := 0; d < m.Histogram().DataPoints().Len(); d++ {
							delivered += m.Histogram().DataPoints().At(d).Count()
						}
					}
				}
			}
			assert.Equal(t, uint64(requests), delivered, "delivered request count = requests made")
			assert.Empty(t, metadataOf(out))
			assert.Equal(t, []string{"http.server.duration name.deprecated drop"}, findingRules(h))
			assert.Contains(t, h.logs.FilterMessageSnippet(findingMessagePrefix).All()[0].ContextMap()["detail"], "dropped, not merged")
		})
	}
	t.Run("target absent: renamed and converted", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
		md, ms := newMD("checkout-api")
		legacyHTTP(ms, cumulative)
		out := h.run(t, md)
		m := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
		assert.Equal(t, "http.server.request.duration", m.Name())
		assert.Equal(t, 1.2345, m.Histogram().DataPoints().At(0).Sum())
	})
	t.Run("warn mode changes nothing", func(t *testing.T) {
		h := newHarness(t, nil)
		md, ms := newMD("checkout-api")
		legacyHTTP(ms, cumulative)
		normalizedHTTP(ms, cumulative)
		expected := clone(md)
		out := h.run(t, md)
		require.NoError(t, pmetrictest.CompareMetrics(expected, out))
	})
}

// TestMergeOnAliasRename: an alias (or Prometheus spelling) is not a semconv
// generation of its target: two sources of distinct series, merged when kind,
// unit and temporality agree, else both kept and the source annotated.
func TestMergeOnAliasRename(t *testing.T) {
	cumulative, delta := pmetric.AggregationTemporalityCumulative, pmetric.AggregationTemporalityDelta
	alias := func(c *Config) {
		c.Mode = ActionNormalize
		c.Aliases = map[string]Alias{"acme_request_seconds": {Name: "http.server.request.duration"}}
	}
	h := newHarness(t, alias)
	md, ms := newMD("svc")
	addHistogram(ms, "acme_request_seconds", "s", cumulative, histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
	addHistogram(ms, "http.server.request.duration", "s", cumulative, histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
	out := h.run(t, md)
	ms = out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 1, ms.Len())
	assert.Equal(t, 2, ms.At(0).Histogram().DataPoints().Len())

	h = newHarness(t, alias)
	md, ms = newMD("svc")
	addHistogram(ms, "http.server.request.duration", "s", cumulative, histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
	addHistogram(ms, "acme_request_seconds", "s", delta, histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
	expected := clone(md)
	out = h.run(t, md)
	require.NoError(t, pmetrictest.CompareMetrics(expected, out))
	assert.Equal(t, map[string]string{"acme_request_seconds": RuleNamePrometheusStyle}, metadataOf(out))
}

func TestManyToOne(t *testing.T) {
	build := func() pmetric.Metrics {
		md, ms := newMD("svc")
		addHistogram(ms, "messaging.publish.duration", "s", pmetric.AggregationTemporalityCumulative,
			histPoint{bounds: sBounds, counts: counts16, sum: 1})
		return md
	}
	h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
	out := h.run(t, build())
	assert.Equal(t, map[string]string{"messaging.publish.duration": RuleNameDeprecated}, metadataOf(out))

	h = newHarness(t, func(c *Config) {
		c.Mode = ActionNormalize
		c.Aliases = map[string]Alias{"messaging.publish.duration": {Name: "messaging.client.operation.duration"}}
	})
	out = h.run(t, build())
	assert.Equal(t, "messaging.client.operation.duration", out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	assert.Empty(t, metadataOf(out))
	assert.Equal(t, []string{"messaging.publish.duration name.alias normalize"}, findingRules(h))
}

func TestRuleOverrides(t *testing.T) {
	t.Run("fix applies only when every resolved finding is normalize", func(t *testing.T) {
		h := newHarness(t, func(c *Config) {
			c.Mode = ActionNormalize
			c.Rules = map[string]Action{RuleUnitConvertible: ActionWarn}
		})
		md, ms := newMD("svc")
		legacyHTTP(ms, pmetric.AggregationTemporalityCumulative)
		expected := clone(md)
		out := h.run(t, md)
		require.NoError(t, pmetrictest.CompareMetrics(expected, out))
		assert.Equal(t, map[string]string{"http.server.duration": RuleNameDeprecated}, metadataOf(out))
	})
	t.Run("off", func(t *testing.T) {
		h := newHarness(t, func(c *Config) {
			c.Mode = ActionDrop
			c.Rules = map[string]Action{RuleNameTotalSuffix: ActionOff}
		})
		md, ms := newMD("svc")
		addIntSum(ms, "acme.jobs_total", "{job}", true, 1)
		expected := clone(md)
		out := h.run(t, md)
		require.NoError(t, pmetrictest.CompareMetrics(expected, out))
		assert.Empty(t, findingRules(h))
	})
	t.Run("information never drops unless configured", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Mode = ActionDrop })
		md, ms := newMD("svc")
		addGauge(ms, "jvm.thread.count", "{thread}", 12)
		expected := clone(md)
		out := h.run(t, md)
		require.NoError(t, pmetrictest.CompareMetrics(expected, out))
		assert.Equal(t, []string{"jvm.thread.count instrument.mismatch warn"}, findingRules(h))

		h = newHarness(t, func(c *Config) { c.Rules = map[string]Action{RuleInstrumentMismatch: ActionDrop} })
		md, ms = newMD("svc")
		addGauge(ms, "jvm.thread.count", "{thread}", 12)
		addIntSum(ms, "dice.rolls", "", true, 3)
		out = h.run(t, md)
		require.Equal(t, 1, out.MetricCount())
		assert.Equal(t, "dice.rolls", out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	})
	t.Run("normalize without a known fix annotates", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
		md, ms := newMD("svc")
		addGauge(ms, "system_cpu_percent", "%", 42)
		out := h.run(t, md)
		assert.Equal(t, map[string]string{"system_cpu_percent": RuleNameUnitSuffix}, metadataOf(out))
		assert.Equal(t, "system_cpu_percent", out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	})
}

func TestAnnotateAttributes(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Mode = ActionAnnotate; c.AnnotateAttributes = true })
	md, ms := newMD("svc")
	addIntSum(ms, "orders_created_total", "1", true, 1, 2)
	out := h.run(t, md)
	dps := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		v, ok := dps.At(i).Attributes().Get(AnnotationKey)
		require.True(t, ok)
		assert.Equal(t, RuleNameTotalSuffix, v.Str())
	}
	// Off by default: metadata only.
	h = newHarness(t, func(c *Config) { c.Mode = ActionAnnotate })
	md, ms = newMD("svc")
	addIntSum(ms, "orders_created_total", "1", true, 1)
	out = h.run(t, md)
	_, ok := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Attributes().Get(AnnotationKey)
	assert.False(t, ok)
	assert.Equal(t, map[string]string{"orders_created_total": RuleNameTotalSuffix}, metadataOf(out))
}

func TestIgnore(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Mode = ActionDrop; c.Ignore = []string{"^otelcol_", `^runtime\.`} })
	md, ms := newMD("svc")
	addIntSum(ms, "otelcol_exporter_sent_total", "", true, 1)
	addIntSum(ms, "runtime.context_switches", "switches", true, 1)
	expected := clone(md)
	out := h.run(t, md)
	require.NoError(t, pmetrictest.CompareMetrics(expected, out))
	assert.Empty(t, findingRules(h))
}

func TestLogRateLimitAndDedup(t *testing.T) {
	h := newHarness(t, nil)
	for i := 0; i < 3; i++ {
		md, ms := newMD("svc-a")
		addIntSum(ms, "acme.orders_created_total", "1", true, 1)
		h.run(t, md)
	}
	md, ms := newMD("svc-b")
	addIntSum(ms, "acme.orders_created_total", "1", true, 1)
	h.run(t, md)
	entries := h.logs.FilterMessageSnippet(findingMessagePrefix).All()
	require.Len(t, entries, 2)
	assert.Equal(t, "svc-a", entries[0].ContextMap()["service.name"])
	assert.Equal(t, "svc-b", entries[1].ContextMap()["service.name"])
	assert.Contains(t, entries[0].ContextMap()["detail"], "suggested acme.orders_created")

	// Rate limit: many distinct metrics in one second log at most maxLogsPerSecond lines.
	h = newHarness(t, nil)
	md, ms = newMD("svc")
	for i := 0; i < 100; i++ {
		addIntSum(ms, "acme.jobs_"+string(rune('a'+i%26))+string(rune('a'+i/26))+"_total", "{job}", true, 1)
	}
	h.run(t, md)
	assert.LessOrEqual(t, h.logs.FilterMessageSnippet(findingMessagePrefix).Len(), maxLogsPerSecond)
}

func TestSummaryLog(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	r := newReporter(zap.New(core))
	v := &verdict{findings: []finding{{rule: RuleNameTotalSuffix, action: ActionWarn}, {rule: RuleNameUnitSuffix, action: ActionWarn}}}
	for i := 0; i < 3; i++ {
		r.report("svc", "orders_total", "1", v, false)
	}
	r.report("svc", "x_total", "1", &verdict{findings: v.findings[:1]}, false)
	r.flush()
	sum := logs.FilterMessage("semantic metrics summary").All()
	require.Len(t, sum, 1)
	assert.Equal(t, "svc", sum[0].ContextMap()["service.name"])
	assert.Equal(t, int64(7), sum[0].ContextMap()["findings"])
	assert.Equal(t, "name.total_suffix=4, name.unit_suffix=3", sum[0].ContextMap()["top_rules"])
	r.flush()
	assert.Len(t, logs.FilterMessage("semantic metrics summary").All(), 1, "counts reset after a flush")
}

func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.Mode = ActionNormalize
	cfg.Rules = map[string]Action{RuleNameTotalSuffix: ActionDrop}
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	md, ms := newMD("svc")
	legacyHTTP(ms, pmetric.AggregationTemporalityCumulative)
	addIntSum(ms, "orders_created_total", "1", true, 1, 2)
	require.NoError(t, p.ConsumeMetrics(context.Background(), md))
	require.NoError(t, p.Shutdown(context.Background()))

	metadatatest.AssertEqualProcessorSemanticmetricsMetricsRenamed(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSemanticmetricsMetricsConverted(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSemanticmetricsMetricsDropped(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSemanticmetricsDatapointsDropped(t, tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSemanticmetricsViolations(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", RuleNameDeprecated), attribute.String("action", "normalize"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", RuleUnitConvertible), attribute.String("action", "normalize"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", RuleNameTotalSuffix), attribute.String("action", "drop"))},
	}, metricdatatest.IgnoreTimestamp())
}
