package semanticmetricsprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestSquatsNamespace(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionNormalize})
	require.NoError(t, err)
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
