package semanticmetricsprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestUtilizationRangeScanKind(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionWarn, Ignore: []string{"^ignored\\."}})
	require.NoError(t, err)
	for _, tt := range []struct {
		name, unit string
		typ        pmetric.MetricType
		scan       bool
	}{
		{"process.runtime.cpython.cpu.utilization", "1", pmetric.MetricTypeGauge, true},
		{"system.cpu.utilization", "1", pmetric.MetricTypeGauge, true},
		{"acme_cpu_utilization", "1", pmetric.MetricTypeSum, true},
		{"acme.cpu.utilization", "1", pmetric.MetricTypeHistogram, true},
		{"acme.cpu.utilization", "%", pmetric.MetricTypeGauge, false},    // U7's business
		{"runtime.cpu.utilization", "1", pmetric.MetricTypeGauge, false}, // Obtrace canonical: never flagged
		{"ignored.cpu.utilization", "1", pmetric.MetricTypeGauge, false},
		{"system_cpu_percent", "%", pmetric.MetricTypeGauge, false},
		{"acme.cpu.utilization", "1", pmetric.MetricTypeSummary, false},
		{"system.memory.usage", "By", pmetric.MetricTypeSum, false},
	} {
		v := a.analyze(cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ})
		assert.Equal(t, tt.scan, v.scan == scanUtilization, tt.name)
		if tt.scan {
			require.NotNil(t, v.value)
			assert.Equal(t, RuleValueUtilizationRange, v.value.findings[0].rule)
			assert.Equal(t, LevelInformation, v.value.findings[0].level)
		}
	}
	// Off: no scan at all.
	a, err = newAnalyzer(&Config{Mode: ActionWarn, Rules: map[string]Action{RuleValueUtilizationRange: ActionOff}})
	require.NoError(t, err)
	assert.Same(t, okVerdict, a.analyze(cacheKey{name: "system.cpu.utilization", unit: "1", typ: pmetric.MetricTypeGauge}))
}

func TestUtilizationRange(t *testing.T) {
	tests := []struct {
		name   string
		mode   Action
		rules  map[string]Action
		build  func(ms pmetric.MetricSlice)
		logs   []string
		meta   map[string]string
		remain int
	}{
		{
			name:   "percent values in unit 1, warn",
			mode:   ActionWarn,
			build:  func(ms pmetric.MetricSlice) { addGauge(ms, "process.runtime.cpython.cpu.utilization", "1", 87, 12.5) },
			logs:   []string{"process.runtime.cpython.cpu.utilization value.utilization_range warn"},
			meta:   map[string]string{},
			remain: 1,
		},
		{
			name:   "ratio values: nothing",
			mode:   ActionWarn,
			build:  func(ms pmetric.MetricSlice) { addGauge(ms, "system.cpu.utilization", "1", 0.87, 1.2, 1.5) },
			meta:   map[string]string{},
			remain: 1,
		},
		{
			name:   "int sum",
			mode:   ActionAnnotate,
			build:  func(ms pmetric.MetricSlice) { addIntSum(ms, "acme.disk.utilization", "1", false, 0, 42) },
			logs:   []string{"acme.disk.utilization value.utilization_range annotate"},
			meta:   map[string]string{"acme.disk.utilization": RuleValueUtilizationRange},
			remain: 1,
		},
		{
			name: "histogram max",
			mode: ActionNormalize,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "acme.cpu.utilization", "1", pmetric.AggregationTemporalityDelta,
					histPoint{bounds: []float64{0.5, 1}, counts: []uint64{1, 1, 1}, sum: 99, min: 0.1, max: 97})
			},
			logs:   []string{"acme.cpu.utilization value.utilization_range annotate"},
			meta:   map[string]string{"acme.cpu.utilization": RuleValueUtilizationRange},
			remain: 1,
		},
		{
			name:   "with other findings: annotations joined",
			mode:   ActionAnnotate,
			build:  func(ms pmetric.MetricSlice) { addGauge(ms, "acme_cpu_utilization", "1", 87) },
			rules:  map[string]Action{RuleNameMissingNamespace: ActionAnnotate},
			logs:   []string{"acme_cpu_utilization name.missing_namespace annotate", "acme_cpu_utilization value.utilization_range annotate"},
			meta:   map[string]string{"acme_cpu_utilization": RuleNameMissingNamespace + "," + RuleValueUtilizationRange},
			remain: 1,
		},
		{
			name:   "information never drops under mode drop",
			mode:   ActionDrop,
			build:  func(ms pmetric.MetricSlice) { addGauge(ms, "system.cpu.utilization", "1", 87) },
			logs:   []string{"system.cpu.utilization value.utilization_range warn"},
			meta:   map[string]string{},
			remain: 1,
		},
		{
			name:   "explicit drop",
			mode:   ActionWarn,
			rules:  map[string]Action{RuleValueUtilizationRange: ActionDrop},
			build:  func(ms pmetric.MetricSlice) { addGauge(ms, "system.cpu.utilization", "1", 87) },
			logs:   []string{"system.cpu.utilization value.utilization_range drop"},
			meta:   map[string]string{},
			remain: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Mode = tt.mode; c.Rules = tt.rules })
			build := func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				tt.build(ms)
				addGauge(ms, "system.memory.utilization", "1", 0.5) // keeps the batch non-empty
				return md
			}
			var out pmetric.Metrics
			for range 3 { // reported once per (service, metric)
				out = h.run(t, build())
			}
			assert.Equal(t, tt.logs, findingRules(h))
			assert.Equal(t, tt.meta, metadataOf(out))
			assert.Equal(t, tt.remain+1, out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().Len())
			if tt.remain == 1 && tt.name != "histogram max" {
				// never fixed: values unchanged
				exp := build()
				got := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
				want := exp.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
				assert.Equal(t, want.Unit(), got.Unit())
			}
		})
	}
}

// TestValueScanNoAlloc: a scanned metric whose values are fine allocates nothing.
func TestValueScanNoAlloc(t *testing.T) {
	p := newTestSemanticProcessor(t, nil)
	md, ms := newMD("checkout-api")
	addGauge(ms, "system.cpu.utilization", "1", 0.1, 0.5, 0.99)
	addIntSum(ms, "acme.disk.utilization", "1", false, 0, 1)
	_, err := p.processMetrics(context.Background(), md)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = p.processMetrics(context.Background(), md)
	})
	assert.Zero(t, allocs)
}

func TestHistogramBoundsVsUnit(t *testing.T) {
	cumulative := pmetric.AggregationTemporalityCumulative
	// histogram builds one histogram of one point.
	histogram := func(name, unit string, p histPoint) func(pmetric.MetricSlice) {
		return func(ms pmetric.MetricSlice) { addHistogram(ms, name, unit, cumulative, p) }
	}
	tests := []struct {
		name  string
		mode  Action
		build func(ms pmetric.MetricSlice)
		logs  []string
		meta  map[string]string
	}{
		{
			name:  "registry metric in s with the SDK default ms bounds",
			mode:  ActionWarn,
			build: histogram("http.server.request.duration", "s", histPoint{bounds: msBounds, counts: counts16, sum: 0.5, min: 0.1, max: 0.2}),
			logs:  []string{"http.server.request.duration histogram.bounds_vs_unit warn"},
			meta:  map[string]string{},
		},
		{
			name: "mean of 240 s on a duration",
			mode: ActionAnnotate,
			build: histogram("http.server.request.duration", "s",
				histPoint{bounds: sBounds, counts: []uint64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10}, sum: 2400, min: 100, max: 900}),
			logs: []string{"http.server.request.duration histogram.bounds_vs_unit annotate"},
			meta: map[string]string{"http.server.request.duration": RuleHistogramBoundsVsUnit},
		},
		{
			name:  "deprecated name in s with ms bounds: renamed and flagged",
			mode:  ActionNormalize,
			build: histogram("http.server.duration", "s", histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9}),
			logs:  []string{"http.server.duration histogram.bounds_vs_unit annotate", "http.server.duration name.deprecated normalize"},
			meta:  map[string]string{"http.server.request.duration": RuleHistogramBoundsVsUnit},
		},
		{
			name: "exponential histogram mean",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				m := ms.AppendEmpty()
				m.SetName("acme.job.duration")
				m.SetUnit("s")
				dp := m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
				dp.SetCount(4)
				dp.SetSum(1000)
			},
			logs: []string{"acme.job.duration histogram.bounds_vs_unit warn"},
			meta: map[string]string{},
		},
		{
			name:  "long mean on a non-duration name: nothing",
			mode:  ActionWarn,
			build: histogram("acme.job.age", "s", histPoint{bounds: sBounds, counts: counts16, sum: 1e6, min: 1, max: 1e4}),
			meta:  map[string]string{},
		},
		{
			name: "plausible seconds: nothing",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				histogram("http.server.request.duration", "s", histPoint{bounds: sBounds, counts: counts16, sum: 12.5, min: 0.001, max: 9})(ms)
				histogram("acme.request.latency", "s", histPoint{bounds: []float64{0, 5, 10}, counts: []uint64{1, 1, 1, 0}, sum: 3, min: 0.5, max: 9})(ms)
			},
			meta: map[string]string{},
		},
		{
			name:  "ms unit is U1's business, not H1",
			mode:  ActionWarn,
			build: histogram("http.server.request.duration", "ms", histPoint{bounds: msBounds, counts: counts16, sum: 2400, min: 100, max: 900}),
			logs:  []string{"http.server.request.duration unit.mismatch.convertible warn"},
			meta:  map[string]string{},
		},
		{
			name:  "improvement never drops under mode drop (data-dependent)",
			mode:  ActionDrop,
			build: histogram("http.server.request.duration", "s", histPoint{bounds: msBounds, counts: counts16, sum: 0.5, min: 0.1, max: 0.2}),
			logs:  []string{"http.server.request.duration histogram.bounds_vs_unit warn"},
			meta:  map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Mode = tt.mode })
			build := func() pmetric.Metrics {
				md, ms := newMD("checkout-api")
				tt.build(ms)
				return md
			}
			var out pmetric.Metrics
			for range 3 {
				out = h.run(t, build())
			}
			assert.Equal(t, tt.logs, findingRules(h))
			assert.Equal(t, tt.meta, metadataOf(out))
			// Never fixed: the bounds are what was received (or exactly converted by another rule).
			m := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
			if m.Type() == pmetric.MetricTypeHistogram && m.Unit() == "s" {
				in := build().ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
				assert.Equal(t, in.Histogram().DataPoints().At(0).ExplicitBounds().AsRaw(), m.Histogram().DataPoints().At(0).ExplicitBounds().AsRaw())
			}
		})
	}
}

// TestHistogramScanNoAlloc: scanned histograms with plausible seconds allocate nothing.
func TestHistogramScanNoAlloc(t *testing.T) {
	p := newTestSemanticProcessor(t, nil)
	md, ms := newMD("checkout-api")
	addHistogram(ms, "http.server.request.duration", "s", pmetric.AggregationTemporalityCumulative,
		histPoint{bounds: sBounds, counts: counts16, sum: 12.5, min: 0.001, max: 9},
		histPoint{bounds: []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10001}, counts: counts16, sum: 1, min: 0.001, max: 9})
	_, err := p.processMetrics(context.Background(), md)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = p.processMetrics(context.Background(), md)
	})
	assert.Zero(t, allocs)
}
