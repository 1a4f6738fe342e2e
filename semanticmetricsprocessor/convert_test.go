package semanticmetricsprocessor

import (
	"math"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

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
