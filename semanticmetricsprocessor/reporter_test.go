package semanticmetricsprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestLogRateLimitAndDedup(t *testing.T) {
	h := newHarness(t, nil)
	for range 3 {
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
	for i := range 100 {
		addIntSum(ms, "acme.jobs_"+string(rune('a'+i%26))+string(rune('a'+i/26))+"_total", "{job}", true, 1)
	}
	h.run(t, md)
	assert.LessOrEqual(t, h.logs.FilterMessageSnippet(findingMessagePrefix).Len(), maxLogsPerSecond)
}

func TestSummaryLog(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	r := newReporter(zap.New(core))
	v := &verdict{findings: []finding{{rule: RuleNameTotalSuffix, action: ActionWarn}, {rule: RuleNameUnitSuffix, action: ActionWarn}}}
	for range 3 {
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
