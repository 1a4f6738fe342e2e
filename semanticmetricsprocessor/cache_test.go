package semanticmetricsprocessor

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestCacheBound(t *testing.T) {
	p := newTestSemanticProcessor(t, func(c *Config) { c.CacheSize = 16 })
	for i := range 1000 {
		md, ms := newMD("svc")
		addGauge(ms, fmt.Sprintf("acme.random_%d_total", i), "", 1)
		addGauge(ms, "http.server.duration", "ms", 1) // re-inserted after eviction
		_, err := p.processMetrics(context.Background(), md)
		require.NoError(t, err)
		assert.LessOrEqual(t, p.cache.len(), 16)
	}
	assert.Equal(t, 16, p.cache.len())
	// Verdicts stay correct after eviction.
	v := p.verdictFor(func() pmetric.Metric { _, ms := newMD(""); return addGauge(ms, "acme.random_3_total", "", 1) }())
	require.NotEqual(t, okVerdict, v)
	assert.Equal(t, RuleNameTotalSuffix, v.findings[0].rule)
}

func TestCacheConcurrent(t *testing.T) {
	p := newTestSemanticProcessor(t, func(c *Config) { c.CacheSize = 8; c.Mode = ActionNormalize })
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range 200 {
				md, ms := newMD("svc")
				legacyHTTP(ms, pmetric.AggregationTemporalityCumulative)
				addGauge(ms, fmt.Sprintf("acme.g%d_%d_seconds", g, i%20), "ms", 1)
				out, err := p.processMetrics(context.Background(), md)
				if err != nil {
					t.Error(err)
					return
				}
				if got := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name(); got != "http.server.request.duration" {
					t.Errorf("got %s", got)
				}
			}
		}(g)
	}
	wg.Wait()
	assert.LessOrEqual(t, p.cache.len(), 8)
}

// TestCompliantNoAlloc: a compliant metric costs a cache lookup and no allocation.
func TestCompliantNoAlloc(t *testing.T) {
	p := newTestSemanticProcessor(t, nil)
	md := compliantBatch(10, 10)
	_, err := p.processMetrics(context.Background(), md) // warm the cache
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = p.processMetrics(context.Background(), md)
	})
	assert.Zero(t, allocs)
}
