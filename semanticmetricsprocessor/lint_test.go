package semanticmetricsprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestUnitNonBase(t *testing.T) {
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

// TestMonotonicContradictionCovered: the I2 cases are reported by N6 (violation
// level) and I1, once each; there is no separate I2 id.
func TestMonotonicContradictionCovered(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionWarn})
	require.NoError(t, err)
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
