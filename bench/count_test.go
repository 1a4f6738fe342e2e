package bench

import (
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestCountersAgreeWithPdata(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 37, 100} {
		td := GenTraces(rng, 1, n)
		// a second resource and scope, and an empty one, to exercise the nesting
		td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("x")
		td.ResourceSpans().AppendEmpty()
		b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := CountSpans(b); err != nil || got != td.SpanCount() {
			t.Errorf("CountSpans = %d, %v; want %d", got, err, td.SpanCount())
		}

		md := GenMetrics(rng, 2, n)
		b, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
		if err != nil {
			t.Fatal(err)
		}
		names := map[MetricKey]int{}
		got, err := CountDataPoints(b, func(k MetricKey, p int) { names[k] += p })
		if err != nil || got != md.DataPointCount() {
			t.Errorf("CountDataPoints = %d, %v; want %d", got, err, md.DataPointCount())
		}
		if len(names) != len(MetricMix) {
			t.Errorf("saw %d metrics, want %d: %v", len(names), len(MetricMix), names)
		}
		if names[MetricKey{"http.server.duration", "ms"}] == 0 || names[MetricKey{"http_requests_total", ""}] == 0 {
			t.Errorf("names or units not read: %v", names)
		}

		ld := GenLogs(rng, 3, n)
		b, err = (&plog.ProtoMarshaler{}).MarshalLogs(ld)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := CountLogRecords(b); err != nil || got != ld.LogRecordCount() {
			t.Errorf("CountLogRecords = %d, %v; want %d", got, err, ld.LogRecordCount())
		}
	}
}

func TestCountAllMetricTypes(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	s := ms.AppendEmpty().SetEmptySum().DataPoints()
	s.AppendEmpty()
	s.AppendEmpty()
	ms.AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty()
	ms.AppendEmpty().SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	ms.AppendEmpty().SetEmptySummary().DataPoints().AppendEmpty()
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := CountItems(Metrics, b); err != nil || got != 6 {
		t.Errorf("CountItems = %d, %v; want 6", got, err)
	}
}

func TestCountMalformed(t *testing.T) {
	for _, b := range [][]byte{{0x0a, 0x05, 0x01}, {0xff}, {0x0a, 0x02, 0x12, 0x09}} {
		if _, err := CountSpans(b); err == nil {
			t.Errorf("CountSpans(%x): no error", b)
		}
	}
	if n, err := CountSpans(nil); n != 0 || err != nil {
		t.Errorf("CountSpans(nil) = %d, %v", n, err)
	}
}

func TestBuildPayloads(t *testing.T) {
	for _, sig := range Signals {
		ps, err := BuildPayloads(sig, PayloadOptions{ItemsPerRequest: 50, Variants: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 3 {
			t.Fatalf("%v: %d payloads", sig, len(ps))
		}
		for _, p := range ps {
			n, err := CountItems(sig, p.Body)
			if err != nil || n != p.Items || n != 50 {
				t.Errorf("%v: counted %d (%v), Items %d, want 50", sig, n, err, p.Items)
			}
			if err := FloorWork(p, NewGzipper()); err != nil {
				t.Errorf("%v: FloorWork: %v", sig, err)
			}
		}
	}
}
