package semanticmetricsprocessor

import (
	"context"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

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

func TestSquatsNamespace(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionNormalize})
	require.NoError(t, err)
	const (
		H = pmetric.MetricTypeHistogram
		G = pmetric.MetricTypeGauge
		S = pmetric.MetricTypeSum
	)
	tests := []struct {
		name, unit string
		typ        pmetric.MetricType
		mono       bool
		want       string // suggested name, "" for no finding
	}{
		{"http.server.latency", "ms", H, false, "http.server.request.duration"},
		{"http.server.latency", "s", pmetric.MetricTypeExponentialHistogram, false, "http.server.request.duration"},
		{"http.server.latency", "milliseconds", H, false, "http.server.request.duration"}, // after the U4 relabel
		{"system.memory.used", "By", S, false, "system.memory.usage"},
		// Wrong instrument class or unit dimension: no suggestion.
		{"http.server.latency", "ms", G, false, ""},
		{"http.server.latency", "By", H, false, ""},
		{"system.memory.used", "s", S, false, ""},
		// Several candidates of the same class in the namespace and none close: no guess.
		{"http.client.latency", "ms", H, false, ""},
		// Seed names that stay untouched.
		{"db.connections.active", "1", S, false, ""},
		{"dice.rolls", "", S, true, ""},
		{"process.runtime.cpython.context_switches", "switches", S, true, ""},
		{"acme.request.latency", "ms", H, false, ""},
		// Known names are never linted.
		{"http.server.request.duration", "s", H, false, ""},
		{"http.server.duration", "ms", H, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.unit+"/"+tt.typ.String(), func(t *testing.T) {
			k := cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ, mono: tt.mono}
			f, ok := findingOf(t, a, k, RuleNameSquatsNamespace)
			if tt.want == "" {
				assert.False(t, ok, "unexpected finding: %s", f.msg)
				return
			}
			require.True(t, ok)
			assert.Equal(t, LevelImprovement, f.level)
			assert.False(t, f.fix, "suggestion only")
			assert.Contains(t, f.msg, "did you mean "+tt.want+"?")
			v := a.analyze(k)
			if v.plan != nil {
				assert.Empty(t, v.plan.rename, "never renamed")
			}
		})
	}
}

// TestSquatsNamespaceNeverRenames: in normalize mode the data of a squatting
// metric keeps its name; the finding is annotated.
func TestSquatsNamespaceNeverRenames(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Mode = ActionNormalize })
	md, ms := newMD("checkout-api")
	addHistogram(ms, "http.server.latency", "s", pmetric.AggregationTemporalityCumulative,
		histPoint{bounds: sBounds, counts: counts16, sum: 1, min: 0.1, max: 0.2})
	out := h.run(t, md)
	assert.Equal(t, "http.server.latency", out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	assert.Equal(t, map[string]string{"http.server.latency": RuleNameSquatsNamespace}, metadataOf(out))
	assert.Equal(t, []string{"http.server.latency name.squats_namespace annotate"}, findingRules(h))
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"system.memory.used", "system.memory.usage", 3}} {
		assert.Equal(t, tt.d, editDistance(tt.a, tt.b), tt.a+"/"+tt.b)
		assert.Equal(t, tt.d, editDistance(tt.b, tt.a))
	}
}

func TestUnitNonBase(t *testing.T) {
	const (
		H  = pmetric.MetricTypeHistogram
		EH = pmetric.MetricTypeExponentialHistogram
		G  = pmetric.MetricTypeGauge
		S  = pmetric.MetricTypeSum
	)
	tests := []struct {
		rule       Action // "" = not configured
		name, unit string
		typ        pmetric.MetricType
		want       string // "", "finding", "fix"
		newUnit    string
		factor     string
	}{
		// Off by default: an unknown metric with a valid unit passes untouched.
		{"", "acme.request.latency", "ms", H, "", "", ""},
		{"", "acme.cache.size", "MiBy", G, "", "", ""},
		// Configured to warn: suggestion only.
		{ActionWarn, "acme.request.latency", "ms", H, "finding", "", ""},
		{ActionWarn, "acme.cache.size", "MiBy", G, "finding", "", ""},
		// Configured to normalize: exact conversion to the base unit.
		{ActionNormalize, "acme.request.latency", "ms", H, "fix", "s", "1/1000"},
		{ActionNormalize, "acme.request.latency", "us", G, "fix", "s", "1/1000000"},
		{ActionNormalize, "acme.job.wait", "min", S, "fix", "s", "60"},
		{ActionNormalize, "acme.job.age", "h", G, "fix", "s", "3600"},
		{ActionNormalize, "acme.cache.size", "KiBy", G, "fix", "By", "1024"},
		{ActionNormalize, "acme.cache.size", "MiBy", S, "fix", "By", "1048576"},
		{ActionNormalize, "acme.disk.io", "kBy", S, "fix", "By", "1000"},
		{ActionNormalize, "acme.disk.io", "MBy", S, "fix", "By", "1000000"},
		{ActionNormalize, "acme.payload", "KiBy", EH, "fix", "By", "1024"},
		{ActionNormalize, "acme.request.latency", "milliseconds", H, "fix", "s", "1/1000"}, // U4 relabel, then U6
		// No fix: the name carries a unit word, or an exponential histogram cannot be rescaled exactly.
		{ActionNormalize, "db.query.duration_ms", "ms", H, "finding", "", ""},
		{ActionNormalize, "acme.request.latency", "ms", EH, "finding", "", ""},
		// Base or other units: nothing.
		{ActionNormalize, "acme.request.latency", "s", H, "", "", ""},
		{ActionNormalize, "acme.cache.size", "By", G, "", "", ""},
		{ActionNormalize, "acme.link.speed", "kbit", G, "", "", ""},
		// Known metrics are U1's business.
		{ActionNormalize, "http.server.request.duration", "ms", H, "", "s", "1/1000"},
	}
	for _, tt := range tests {
		t.Run(string(tt.rule)+"/"+tt.name+"/"+tt.unit+"/"+tt.typ.String(), func(t *testing.T) {
			cfg := &Config{Mode: ActionNormalize}
			if tt.rule != "" {
				cfg.Rules = map[string]Action{RuleUnitNonBase: tt.rule}
			}
			a, err := newAnalyzer(cfg)
			require.NoError(t, err)
			k := cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ}
			f, ok := findingOf(t, a, k, RuleUnitNonBase)
			assert.Equal(t, tt.want != "", ok, f.msg)
			if ok {
				assert.Equal(t, LevelImprovement, f.level)
				assert.Equal(t, tt.want == "fix", f.fix, f.msg)
			}
			v := a.analyze(k)
			if tt.newUnit == "" {
				if v.plan != nil {
					assert.Nil(t, v.plan.conv)
				}
				return
			}
			require.NotNil(t, v.plan)
			assert.Equal(t, tt.newUnit, v.plan.unit)
			require.NotNil(t, v.plan.conv)
			assert.Equal(t, tt.factor, v.plan.conv.rat.RatString())
		})
	}
}

// TestUnitNonBaseConverts: normalize divides histogram bounds exactly, with
// the unit.mismatch.convertible machinery.
func TestUnitNonBaseConverts(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Mode = ActionWarn
		c.Rules = map[string]Action{RuleUnitNonBase: ActionNormalize}
	})
	md, ms := newMD("checkout-api")
	addHistogram(ms, "acme.request.latency", "ms", pmetric.AggregationTemporalityCumulative,
		histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9, exemplar: 142.5})
	addIntSum(ms, "acme.cache.evicted", "KiBy", true, 1, 3)
	out := h.run(t, md)
	got := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	m := got.At(0)
	assert.Equal(t, "acme.request.latency", m.Name())
	assert.Equal(t, "s", m.Unit())
	dp := m.Histogram().DataPoints().At(0)
	assert.Equal(t, sBounds, dp.ExplicitBounds().AsRaw())
	assert.Equal(t, 1.2345, dp.Sum())
	assert.Equal(t, 0.1425, dp.Exemplars().At(0).DoubleValue())
	assert.Equal(t, "By", got.At(1).Unit())
	assert.Equal(t, int64(3072), got.At(1).Sum().DataPoints().At(1).IntValue())
	assert.Empty(t, metadataOf(out))
	assert.Equal(t, []string{"acme.cache.evicted unit.non_base normalize", "acme.request.latency unit.non_base normalize"}, findingRules(h))
}

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
	tests := []struct {
		name  string
		mode  Action
		build func(ms pmetric.MetricSlice)
		logs  []string
		meta  map[string]string
	}{
		{
			name: "registry metric in s with the SDK default ms bounds",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.request.duration", "s", cumulative,
					histPoint{bounds: msBounds, counts: counts16, sum: 0.5, min: 0.1, max: 0.2})
			},
			logs: []string{"http.server.request.duration histogram.bounds_vs_unit warn"},
			meta: map[string]string{},
		},
		{
			name: "mean of 240 s on a duration",
			mode: ActionAnnotate,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.request.duration", "s", cumulative,
					histPoint{bounds: sBounds, counts: []uint64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10}, sum: 2400, min: 100, max: 900})
			},
			logs: []string{"http.server.request.duration histogram.bounds_vs_unit annotate"},
			meta: map[string]string{"http.server.request.duration": RuleHistogramBoundsVsUnit},
		},
		{
			name: "deprecated name in s with ms bounds: renamed and flagged",
			mode: ActionNormalize,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.duration", "s", cumulative,
					histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9})
			},
			logs: []string{"http.server.duration histogram.bounds_vs_unit annotate", "http.server.duration name.deprecated normalize"},
			meta: map[string]string{"http.server.request.duration": RuleHistogramBoundsVsUnit},
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
			name: "long mean on a non-duration name: nothing",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "acme.job.age", "s", cumulative,
					histPoint{bounds: sBounds, counts: counts16, sum: 1e6, min: 1, max: 1e4})
			},
			meta: map[string]string{},
		},
		{
			name: "plausible seconds: nothing",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.request.duration", "s", cumulative,
					histPoint{bounds: sBounds, counts: counts16, sum: 12.5, min: 0.001, max: 9})
				addHistogram(ms, "acme.request.latency", "s", cumulative,
					histPoint{bounds: []float64{0, 5, 10}, counts: []uint64{1, 1, 1, 0}, sum: 3, min: 0.5, max: 9})
			},
			meta: map[string]string{},
		},
		{
			name: "ms unit is U1's business, not H1",
			mode: ActionWarn,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.request.duration", "ms", cumulative,
					histPoint{bounds: msBounds, counts: counts16, sum: 2400, min: 100, max: 900})
			},
			logs: []string{"http.server.request.duration unit.mismatch.convertible warn"},
			meta: map[string]string{},
		},
		{
			name: "improvement never drops under mode drop (data-dependent)",
			mode: ActionDrop,
			build: func(ms pmetric.MetricSlice) {
				addHistogram(ms, "http.server.request.duration", "s", cumulative,
					histPoint{bounds: msBounds, counts: counts16, sum: 0.5, min: 0.1, max: 0.2})
			},
			logs: []string{"http.server.request.duration histogram.bounds_vs_unit warn"},
			meta: map[string]string{},
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

// TestMonotonicContradictionCovered: the I2 cases are reported by N6 (violation
// level) and I1, once each; there is no separate I2 id.
func TestMonotonicContradictionCovered(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionWarn})
	require.NoError(t, err)
	S := pmetric.MetricTypeSum
	for _, tt := range []struct {
		name, unit string
		mono       bool
		rule       string
	}{
		{"acme.jobs_total", "{job}", false, RuleNameTotalSuffix},
		{"orders_created.total", "1", false, RuleNameTotalSuffix},
		{"process.context_switches", "{context_switch}", false, RuleInstrumentMismatch},
		{"http.server.active_requests", "{request}", true, RuleInstrumentMismatch},
	} {
		v := a.analyze(cacheKey{name: tt.name, unit: tt.unit, typ: S, mono: tt.mono})
		var rules []string
		for _, f := range v.findings {
			rules = append(rules, f.rule)
			if f.rule == tt.rule {
				assert.Equal(t, LevelViolation, f.level, tt.name)
			}
		}
		assert.Equal(t, []string{tt.rule}, rules, tt.name)
	}
	assert.False(t, isRuleID("instrument.monotonic_contradiction"))
}
