package semanticmetricsprocessor

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

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
