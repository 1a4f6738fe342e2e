package semanticmetricsprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadata"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
)

// compliantBatch builds nMetrics compliant metrics (active registry entries
// with their registry unit and instrument, plus Obtrace canonical names) with
// nPoints points each.
func compliantBatch(nMetrics, nPoints int) pmetric.Metrics {
	md, ms := newMD("checkout-api")
	var entries []registry.Entry
	for _, e := range registry.Entries() {
		if !e.Deprecated && (e.Instrument != registry.InstrumentUnknown || e.Canonical) {
			entries = append(entries, e)
		}
	}
	vals := make([]int64, nPoints)
	dvals := make([]float64, nPoints)
	for j := range vals {
		vals[j], dvals[j] = int64(j), float64(j)/10
	}
	for i := range nMetrics {
		e := entries[(i*7919)%len(entries)] // spread over the registry
		switch e.Instrument {
		case registry.Counter:
			addIntSum(ms, e.Name, e.Unit, true, vals...)
		case registry.UpDownCounter:
			addIntSum(ms, e.Name, e.Unit, false, vals...)
		case registry.Histogram:
			pts := make([]histPoint, nPoints)
			for j := range pts {
				pts[j] = histPoint{bounds: sBounds, counts: counts16, sum: 12.5, min: 0.001, max: 9}
			}
			addHistogram(ms, e.Name, e.Unit, pmetric.AggregationTemporalityCumulative, pts...)
		default:
			addGauge(ms, e.Name, e.Unit, dvals...)
		}
	}
	return md
}

// seedBatch is mixed traffic in the style of the seed documents: a third of
// the metrics need a rename and/or a unit conversion. The two names renamed to
// http.server.request.duration live in different scopes, so no merge happens
// and both contenders do the same work.
func seedBatch(nPoints int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout-api")
	vals := make([]int64, nPoints)
	dvals := make([]float64, nPoints)
	pts := make([]histPoint, nPoints)
	spts := make([]histPoint, nPoints)
	for j := range vals {
		vals[j], dvals[j] = int64(j), float64(j)*1.5
		pts[j] = histPoint{bounds: msBounds, counts: counts16, sum: 1234.5, min: 0.9, max: 9, exemplar: 142.5}
		spts[j] = histPoint{bounds: sBounds, counts: counts16, sum: 1.2345, min: 0.0009, max: 0.009}
	}
	cum := pmetric.AggregationTemporalityCumulative
	for scope := range 4 {
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		// needs normalization
		if scope%2 == 0 {
			addHistogram(ms, "http.server.duration", "ms", cum, pts...)
		} else {
			addHistogram(ms, "http_request_duration_seconds", "s", cum, spts...)
		}
		addIntSum(ms, "process.runtime.cpython.context_switches", "switches", true, vals...)
		addGauge(ms, "acme.cpu.utilization", "%", dvals...)
		// compliant or warn-only
		addIntSum(ms, "http_requests_total", "1", true, vals...)
		addIntSum(ms, "http_5xx_total", "1", true, vals...)
		addGauge(ms, "latency_p95", "ms", dvals...)
		addIntSum(ms, "dice.rolls", "", true, vals...)
		addIntSum(ms, "db.connections.active", "1", false, vals...)
		addGauge(ms, "system_memory_bytes", "By", dvals...)
		addIntSum(ms, "orders_created_total", "1", true, vals...)
		addHistogram(ms, "http.client.request.duration", "s", cum, spts...)
	}
	return md
}

var transformStatements = []any{
	"scale_metric(0.001, \"s\") where name == \"http.server.duration\" and unit == \"ms\"",
	"set(name, \"http.server.request.duration\") where name == \"http.server.duration\"",
	"set(name, \"http.server.request.duration\") where name == \"http_request_duration_seconds\"",
	"set(unit, \"{switch}\") where unit == \"switches\"",
	"scale_metric(0.01, \"1\") where name == \"acme.cpu.utilization\" and unit == \"%\"",
}

func newBenchProcessor(b *testing.B, mutate func(*Config), next consumer.Metrics) processor.Metrics {
	cfg := createDefaultConfig().(*Config)
	cfg.ReportInterval = 0
	if mutate != nil {
		mutate(cfg)
	}
	p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func newTransformProcessor(b *testing.B, next consumer.Metrics) processor.Metrics {
	f := transformprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"metric_statements": []any{map[string]any{"context": "metric", "statements": transformStatements}},
	})
	if err := conf.Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	p, err := f.CreateMetrics(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func reportPerPoint(b *testing.B, points int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(points), "ns/datapoint")
}

// BenchmarkCompliantWarn: the processor's own cost on compliant traffic in
// warn mode (the steady state: every verdict cached), next to a pass-through
// consumer and, for scale, an OTLP protobuf unmarshal+marshal of the same
// batch (the least an otlp receiver -> otlphttp exporter pipeline does).
func BenchmarkCompliantWarn(b *testing.B) {
	md := compliantBatch(100, 10)
	points := md.DataPointCount()
	nop := consumertest.NewNop()

	b.Run("passthrough", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = nop.ConsumeMetrics(context.Background(), md)
		}
		reportPerPoint(b, points)
	})
	b.Run("semanticmetrics", func(b *testing.B) {
		p := newBenchProcessor(b, nil, nop)
		b.ReportAllocs()
		for b.Loop() {
			_ = p.ConsumeMetrics(context.Background(), md)
		}
		reportPerPoint(b, points)
	})
	b.Run("otlp_proto_roundtrip_reference", func(b *testing.B) {
		var m pmetric.ProtoMarshaler
		var u pmetric.ProtoUnmarshaler
		buf, _ := m.MarshalMetrics(md)
		b.ReportAllocs()
		for b.Loop() {
			out, _ := u.UnmarshalMetrics(buf)
			_, _ = m.MarshalMetrics(out)
		}
		reportPerPoint(b, points)
	})
}

// BenchmarkNormalizeVsTransform: mixed seed-style traffic. semanticmetrics in
// normalize mode against transformprocessor statements doing the same renames
// and conversions, on the same input. Normalize mutates its input, so fresh
// copies are prepared in batches with the timer stopped.
func BenchmarkNormalizeVsTransform(b *testing.B) {
	src := seedBatch(10)
	points := src.DataPointCount()
	nop := consumertest.NewNop()
	run := func(b *testing.B, next consumer.Metrics) {
		const pool = 256
		copies := make([]pmetric.Metrics, pool)
		refill := func() {
			for i := range copies {
				copies[i] = pmetric.NewMetrics()
				src.CopyTo(copies[i])
			}
		}
		refill()
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			if i == pool {
				b.StopTimer()
				refill()
				i = 0
				b.StartTimer()
			}
			_ = next.ConsumeMetrics(context.Background(), copies[i])
			i++
		}
		reportPerPoint(b, points)
	}
	b.Run("semanticmetrics_normalize", func(b *testing.B) {
		run(b, newBenchProcessor(b, func(c *Config) {
			c.Mode = ActionNormalize
			c.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
		}, nop))
	})
	b.Run("transformprocessor", func(b *testing.B) {
		run(b, newTransformProcessor(b, nop))
	})
	// paired alternates the two contenders op by op and times each, so load
	// from other processes on a shared machine hits both alike.
	b.Run("paired", func(b *testing.B) {
		ours := newBenchProcessor(b, func(c *Config) {
			c.Mode = ActionNormalize
			c.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
		}, nop)
		theirs := newTransformProcessor(b, nop)
		var tOurs, tTheirs time.Duration
		for b.Loop() {
			b.StopTimer()
			m1, m2 := pmetric.NewMetrics(), pmetric.NewMetrics()
			src.CopyTo(m1)
			src.CopyTo(m2)
			b.StartTimer()
			t0 := time.Now()
			_ = ours.ConsumeMetrics(context.Background(), m1)
			t1 := time.Now()
			_ = theirs.ConsumeMetrics(context.Background(), m2)
			t2 := time.Now()
			tOurs += t1.Sub(t0)
			tTheirs += t2.Sub(t1)
		}
		b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N), "semanticmetrics-ns/op")
		b.ReportMetric(float64(tTheirs.Nanoseconds())/float64(b.N), "transform-ns/op")
		b.ReportMetric(float64(tTheirs)/float64(tOurs), "speedup")
	})
}

// TestNormalizeMatchesTransform checks that the two benchmark contenders do
// the same renames and conversions (semanticmetrics exactly, transform with
// float multiplication), so the comparison is fair.
func TestNormalizeMatchesTransform(t *testing.T) {
	src := seedBatch(3)
	h := newHarness(t, func(c *Config) {
		c.Mode = ActionNormalize
		c.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
	})
	ours := h.run(t, clone(src))
	names := map[string]string{}
	sms := ours.ResourceMetrics().At(0).ScopeMetrics()
	for j := 0; j < sms.Len(); j++ {
		ms := sms.At(j).Metrics()
		if ms.Len() != 11 {
			t.Errorf("scope %d: %d metrics, want 11 (no merge)", j, ms.Len())
		}
		for i := 0; i < ms.Len(); i++ {
			names[ms.At(i).Name()] = ms.At(i).Unit()
		}
	}
	for _, n := range []string{"http.server.duration", "http_request_duration_seconds"} {
		if _, ok := names[n]; ok {
			t.Errorf("%s not renamed", n)
		}
	}
	if names["acme.cpu.utilization"] != "1" || names["process.runtime.cpython.context_switches"] != "{switch}" {
		t.Errorf("units not normalized: %v", names)
	}
}
