package semanticmetricsprocessor

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"

	"github.com/obtraceai/otelcol-obtrace/semanticfindingsextension"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadata"
)

// extensionsHost is a host with the given extensions.
type extensionsHost map[component.ID]component.Component

func (h extensionsHost) GetExtensions() map[component.ID]component.Component { return h }

var findingsID = component.MustNewID("semanticfindings")

type findingsExtension interface {
	component.Component
	semanticfindingsextension.StoreProvider
}

func newFindingsExtension(t *testing.T) findingsExtension {
	t.Helper()
	f := semanticfindingsextension.NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), f.CreateDefaultConfig())
	require.NoError(t, err)
	return ext.(findingsExtension)
}

// startWithFindings starts a processor whose `findings` names ext (not started:
// the store exists from creation, and the page's port is not needed here).
func startWithFindings(t *testing.T, mode Action, host component.Host) (*harness, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.ReportInterval = 0
	cfg.Mode = mode
	cfg.Findings = &findingsID
	set := processortest.NewNopSettings(metadata.Type)
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	if err := p.Start(context.Background(), host); err != nil {
		return nil, err
	}
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return &harness{proc: p, sink: sink}, nil
}

// Every finding the processor reports reaches the store: one row per rule,
// with the action taken and the count of sightings.
func TestFindingsPublishedToStore(t *testing.T) {
	ext := newFindingsExtension(t)
	h, err := startWithFindings(t, ActionNormalize, extensionsHost{findingsID: ext})
	require.NoError(t, err)
	for range 3 {
		md, ms := newMD("checkout")
		addHistogram(ms, "http.server.duration", "ms", pmetric.AggregationTemporalityCumulative,
			histPoint{bounds: []float64{5, 10, 25}, counts: []uint64{1, 2, 3, 0}, sum: 60, min: 2, max: 20})
		addGauge(ms, "acme.queue.depth", "items", 1)
		h.run(t, md)
	}
	rows, evicted := ext.FindingsStore().Snapshot()
	require.NotEmpty(t, rows)
	assert.Zero(t, evicted)
	byMetric := map[string][]semanticfindingsextension.Row{}
	for _, r := range rows {
		assert.Equal(t, "checkout", r.Service)
		assert.Equal(t, int64(3), r.Count, "%s %s", r.Metric, r.Rule)
		assert.False(t, r.FirstSeen.After(r.LastSeen))
		assert.NotEmpty(t, r.Detail)
		byMetric[r.Metric] = append(byMetric[r.Metric], r)
	}
	dur := byMetric["http.server.duration"]
	require.NotEmpty(t, dur, "rows: %v", rows)
	assert.Equal(t, "ms", dur[0].Unit, "the unit as received")
	var normalized bool
	for _, r := range dur {
		if r.Action == string(ActionNormalize) {
			normalized = true
			assert.Contains(t, r.Normalize, "rename to http.server.request.duration")
		}
	}
	assert.True(t, normalized, "the deprecated name was normalized: %v", dur)
}

// Under warn, the page still says what normalize would do.
func TestFindingsSayWhatNormalizeWouldDo(t *testing.T) {
	ext := newFindingsExtension(t)
	h, err := startWithFindings(t, ActionWarn, extensionsHost{findingsID: ext})
	require.NoError(t, err)
	md, ms := newMD("checkout")
	addHistogram(ms, "http.server.duration", "ms", pmetric.AggregationTemporalityCumulative,
		histPoint{bounds: []float64{5, 10, 25}, counts: []uint64{1, 2, 3, 0}, sum: 60, min: 2, max: 20})
	h.run(t, md)
	rows, _ := ext.FindingsStore().Snapshot()
	require.NotEmpty(t, rows)
	for _, r := range rows {
		assert.Equal(t, string(ActionWarn), r.Action)
		assert.Equal(t, `rename to http.server.request.duration; unit "s"; values converted to the new unit`, r.Normalize, r.Rule)
	}
}

func TestFindingsExtensionMissing(t *testing.T) {
	_, err := startWithFindings(t, ActionWarn, componenttest.NewNopHost())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "`findings`: extension \"semanticfindings\" is not in service::extensions")

	_, err = startWithFindings(t, ActionWarn, extensionsHost{findingsID: struct {
		component.StartFunc
		component.ShutdownFunc
	}{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a semanticfindings extension")
}

// After a metric's first sight, publishing a sighting allocates nothing.
func TestFindingsSightingDoesNotAllocate(t *testing.T) {
	r := newReporter(zap.NewNop())
	r.store = newFindingsExtension(t).FindingsStore()
	v := &verdict{findings: []finding{
		{rule: RuleNameTotalSuffix, action: ActionWarn, msg: "drop _total"},
		{rule: RuleNameFormat, action: ActionWarn, msg: "use dots"},
	}}
	r.report("svc", "orders_total", "1", v, false)
	allocs := testing.AllocsPerRun(100, func() { r.report("svc", "orders_total", "1", v, false) })
	assert.Zero(t, allocs)
	rows, _ := r.store.Snapshot()
	require.Len(t, rows, 2)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Rule < rows[j].Rule })
	for _, row := range rows {
		assert.Equal(t, int64(102), row.Count) // 1 + the warm-up run + 100
	}
}

// A row evicted from a full store is recorded again on the next sighting.
func TestFindingsRecordedAgainAfterEviction(t *testing.T) {
	r := newReporter(zap.NewNop())
	r.store = semanticfindingsextension.NewStore(1, 1<<20)
	now := time.Unix(1_700_000_000, 0)
	r.now = func() time.Time { return now }
	a := &verdict{findings: []finding{{rule: RuleNameTotalSuffix, action: ActionWarn}}}
	b := &verdict{findings: []finding{{rule: RuleNameFormat, action: ActionWarn}}}
	r.report("svc", "a_total", "1", a, false)
	now = now.Add(time.Second)
	r.report("svc", "B", "1", b, false) // evicts a's row
	now = now.Add(time.Second)
	r.report("svc", "a_total", "1", a, false)
	rows, evicted := r.store.Snapshot()
	require.Len(t, rows, 1)
	assert.Equal(t, "a_total", rows[0].Metric)
	assert.Equal(t, int64(2), evicted)
	assert.Equal(t, now, rows[0].LastSeen.Local())
}
