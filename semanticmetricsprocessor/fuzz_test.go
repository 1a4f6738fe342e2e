package semanticmetricsprocessor

import (
	"context"
	"errors"
	"math"
	"testing"

	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/obtraceai/otelcol-obtrace/internal/pdatautil"
)

// FuzzProcessor: random names, units, types and values never panic, no
// data point is lost outside drop mode, and no cached verdict holds a name
// or unit past its bound. testdata/fuzz/FuzzProcessor holds the attack
// shapes of issue 9 in small form (deep parentheses, many terms, huge
// exponents and factors, long names and units).
func FuzzProcessor(f *testing.F) {
	f.Add("http.server.duration", "ms", uint8(2), false, 142.5, int64(7), int8(0), uint8(2))
	f.Add("http_request_duration_seconds", "", uint8(2), false, 0.5, int64(1), int8(3), uint8(2))
	f.Add("system_cpu_percent", "%", uint8(0), false, 42.0, int64(42), int8(0), uint8(1))
	f.Add("acme.io", "KiBy", uint8(1), true, 1.0, int64(math.MaxInt64), int8(-3), uint8(2))
	f.Add("acme.size", "KiBy", uint8(3), false, 1.0, int64(1), int8(-4), uint8(2))
	f.Add("arms_context_switches", "switches", uint8(1), true, 1748.0, int64(1748), int8(0), uint8(2))
	f.Add("acme.cpu.utilization", "%", uint8(4), false, math.NaN(), int64(-5), int8(8), uint8(3))
	f.Add("2xx responses", "{requests}", uint8(1), false, math.Inf(1), int64(math.MinInt64), int8(20), uint8(3))

	modes := []Action{ActionWarn, ActionAnnotate, ActionNormalize, ActionDrop}
	procs := make([]*semanticProcessor, len(modes))
	for i, m := range modes {
		procs[i] = newTestSemanticProcessor(f, func(c *Config) {
			c.Mode = m
			c.AnnotateAttributes = i%2 == 0
			c.CacheSize = 64
			c.CustomMetrics = []CustomMetric{
				{Name: "acme.io", Unit: "By", Type: TypeCounter},
				{Name: "acme.size", Unit: "By", Type: TypeHistogram},
			}
			c.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
		})
	}

	f.Fuzz(func(t *testing.T, name, unit string, typ uint8, mono bool, dv float64, iv int64, scale int8, mode uint8) {
		md, ms := newMD("fuzz")
		build := func(name string) {
			m := ms.AppendEmpty()
			m.SetName(name)
			m.SetUnit(unit)
			switch typ % 5 {
			case 0:
				g := m.SetEmptyGauge()
				g.DataPoints().AppendEmpty().SetDoubleValue(dv)
				g.DataPoints().AppendEmpty().SetIntValue(iv)
			case 1:
				s := m.SetEmptySum()
				s.SetIsMonotonic(mono)
				s.DataPoints().AppendEmpty().SetIntValue(iv)
				e := s.DataPoints().AppendEmpty()
				e.SetDoubleValue(dv)
				e.Exemplars().AppendEmpty().SetIntValue(iv)
			case 2:
				dp := m.SetEmptyHistogram().DataPoints().AppendEmpty()
				dp.ExplicitBounds().FromRaw([]float64{dv, 5, 10})
				dp.BucketCounts().FromRaw([]uint64{1, 2, 3, 4})
				dp.SetSum(dv)
				dp.SetMin(dv)
				dp.Exemplars().AppendEmpty().SetDoubleValue(dv)
			case 3:
				dp := m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
				dp.SetScale(int32(scale))
				dp.Positive().SetOffset(int32(iv))
				dp.Negative().SetOffset(int32(-iv))
				dp.Positive().BucketCounts().FromRaw([]uint64{1, 2})
				dp.SetSum(dv)
			case 4:
				dp := m.SetEmptySummary().DataPoints().AppendEmpty()
				dp.SetSum(dv)
				dp.QuantileValues().AppendEmpty().SetValue(dv)
			}
		}
		build(name)
		build("http.server.request.duration") // a possible merge target
		build(name)                           // same name twice in one scope
		in := md.DataPointCount()
		p := procs[int(mode)%len(procs)]
		// The two legacy copies of a /dup migration are dropped when their
		// rename target is in the scope; nothing else may lose data points.
		var dupLost int
		if v := p.verdictFor(ms.At(0)); v.dup != nil && v.plan != nil && v.plan.rename == "http.server.request.duration" {
			dupLost = in - pdatautil.DataPointCount(ms.At(1))
		}
		out, err := p.processMetrics(context.Background(), md)
		if err != nil && !errors.Is(err, processorhelper.ErrSkipProcessingData) {
			t.Fatal(err)
		}
		if err == nil && p.cfg.Mode != ActionDrop && out.DataPointCount() != in-dupLost {
			t.Fatalf("lost data points: %d in, %d out, %d legacy /dup copies", in, out.DataPointCount(), dupLost)
		}
		if err != nil && p.cfg.Mode != ActionDrop {
			t.Fatalf("dropped outside drop mode")
		}
		p.cache.mu.Lock()
		defer p.cache.mu.Unlock()
		for _, m := range []map[cacheKey]*verdict{*p.cache.snap.Load(), p.cache.dirty} {
			for k := range m {
				if len(k.name) > maxNameBytes || len(k.unit) > maxUnitBytes {
					t.Fatalf("cached a key of %d, %d bytes", len(k.name), len(k.unit))
				}
			}
		}
	})
}
