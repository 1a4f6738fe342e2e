package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Signal is one of the three OTLP signals.
type Signal int

// The OTLP signals.
const (
	Traces Signal = iota
	Metrics
	Logs
)

// Signals lists every signal in a fixed order.
var Signals = []Signal{Traces, Metrics, Logs}

func (s Signal) String() string {
	switch s {
	case Traces:
		return "traces"
	case Metrics:
		return "metrics"
	case Logs:
		return "logs"
	}
	return fmt.Sprintf("signal(%d)", int(s))
}

// Payload is one pre-encoded OTLP export request (protobuf, uncompressed).
type Payload struct {
	Signal Signal
	// Body is the serialized Export{Trace,Metrics,Logs}ServiceRequest.
	Body []byte
	// Items is the number of spans, metric data points or log records in Body.
	Items int
	// StampAt is the offset in Body of the 8-byte send-time stamp (see
	// stamp.go), 0 when the payload has none.
	StampAt int
}

// PayloadOptions shapes the generated requests.
type PayloadOptions struct {
	// ItemsPerRequest is the approximate number of spans, data points or log
	// records per request (rounded to whole metrics for metrics). Default 100.
	ItemsPerRequest int
	// Variants is the number of distinct requests per signal (different
	// services, ids and values). Default 4.
	Variants int
	// Seed makes the payloads reproducible. Default 1.
	Seed uint64
	// Stamp adds the send-time stamp attribute (StampKey) to the resource.
	Stamp bool
}

func (o PayloadOptions) withDefaults() PayloadOptions {
	if o.ItemsPerRequest <= 0 {
		o.ItemsPerRequest = 100
	}
	if o.Variants <= 0 {
		o.Variants = 4
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// BuildPayloads returns o.Variants pre-encoded requests of the signal.
func BuildPayloads(sig Signal, o PayloadOptions) ([]Payload, error) {
	o = o.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, uint64(sig)+1))
	out := make([]Payload, 0, o.Variants)
	for v := 0; v < o.Variants; v++ {
		body, items, err := encodePayload(sig, rng, v, o)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", sig, err)
		}
		p := Payload{Signal: sig, Body: body, Items: items}
		if o.Stamp {
			if p.StampAt, err = stampOffset(body); err != nil {
				return nil, fmt.Errorf("%v: %w", sig, err)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// encodePayload generates and serializes one request of the signal (with the
// stamp placeholder on its resource when o.Stamp).
func encodePayload(sig Signal, rng *rand.Rand, variant int, o PayloadOptions) ([]byte, int, error) {
	switch sig {
	case Traces:
		td := GenTraces(rng, variant, o.ItemsPerRequest)
		return marshalStamped(o.Stamp, td.ResourceSpans().At(0).Resource(), td.SpanCount(), func() ([]byte, error) { return (&ptrace.ProtoMarshaler{}).MarshalTraces(td) })
	case Metrics:
		md := GenMetrics(rng, variant, o.ItemsPerRequest)
		return marshalStamped(o.Stamp, md.ResourceMetrics().At(0).Resource(), md.DataPointCount(), func() ([]byte, error) { return (&pmetric.ProtoMarshaler{}).MarshalMetrics(md) })
	case Logs:
		ld := GenLogs(rng, variant, o.ItemsPerRequest)
		return marshalStamped(o.Stamp, ld.ResourceLogs().At(0).Resource(), ld.LogRecordCount(), func() ([]byte, error) { return (&plog.ProtoMarshaler{}).MarshalLogs(ld) })
	}
	return nil, 0, fmt.Errorf("unknown signal %v", sig)
}

// marshalStamped adds the stamp placeholder to res when stamp, then marshals.
func marshalStamped(stamp bool, res pcommon.Resource, items int, marshal func() ([]byte, error)) ([]byte, int, error) {
	if stamp {
		res.Attributes().PutEmptyBytes(StampKey).FromRaw(stampPlaceholder)
	}
	body, err := marshal()
	if err != nil {
		return nil, 0, fmt.Errorf("encode: %w", err)
	}
	return body, items, nil
}

var services = []string{"checkout", "cart", "payments", "catalog", "search", "shipping", "frontend", "accounts"}

func fillResource(r pcommon.Resource, variant int, lang string) {
	a := r.Attributes()
	svc := services[variant%len(services)]
	a.PutStr("service.name", svc)
	a.PutStr("service.version", "1.14.2")
	a.PutStr("service.namespace", "shop")
	a.PutStr("service.instance.id", fmt.Sprintf("%s-7d9f8c6b5-%05d", svc, 10000+variant))
	a.PutStr("deployment.environment.name", "production")
	a.PutStr("host.name", fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", variant%8, 10+variant))
	a.PutStr("k8s.namespace.name", "shop")
	a.PutStr("k8s.pod.name", fmt.Sprintf("%s-7d9f8c6b5-x%03d", svc, variant))
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.language", lang)
	a.PutStr("telemetry.sdk.version", "1.38.0")
}

var routes = []string{"/api/v1/orders/{id}", "/api/v1/cart", "/api/v1/products", "/api/v1/products/{id}", "/healthz", "/api/v1/checkout", "/api/v1/users/{id}", "/api/v1/search"}
var methods = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
var statuses = []int64{200, 200, 200, 200, 201, 204, 400, 404, 500}

// GenTraces returns one request of n server and client spans with HTTP, DB and
// RPC attributes, about one in ten with an event.
func GenTraces(rng *rand.Rand, variant, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	fillResource(rs.Resource(), variant, "go")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ss.Scope().SetVersion("0.63.0")
	now := time.Now()
	var tid pcommon.TraceID
	for i := range n {
		if i%5 == 0 { // five spans per trace
			putRand(rng, tid[:])
		}
		var sid pcommon.SpanID
		putRand(rng, sid[:])
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		route := routes[rng.IntN(len(routes))]
		method := methods[rng.IntN(len(methods))]
		status := statuses[rng.IntN(len(statuses))]
		start := now.Add(-time.Duration(rng.IntN(5000)) * time.Millisecond)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(1+rng.IntN(300)) * time.Millisecond)))
		a := sp.Attributes()
		if i%5 == 4 {
			sp.SetName("SELECT shop.orders")
			sp.SetKind(ptrace.SpanKindClient)
			a.PutStr("db.system.name", "postgresql")
			a.PutStr("db.namespace", "shop")
			a.PutStr("db.operation.name", "SELECT")
			a.PutStr("db.collection.name", "orders")
			a.PutStr("db.query.text", "SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20")
			a.PutStr("server.address", "orders-db.shop.svc.cluster.local")
			a.PutInt("server.port", 5432)
		} else {
			sp.SetName(method + " " + route)
			sp.SetKind(ptrace.SpanKindServer)
			a.PutStr("http.request.method", method)
			a.PutStr("http.route", route)
			a.PutStr("url.path", route)
			a.PutStr("url.scheme", "https")
			a.PutInt("http.response.status_code", status)
			a.PutStr("server.address", "shop.example.com")
			a.PutInt("server.port", 443)
			a.PutStr("network.protocol.version", "1.1")
			a.PutStr("client.address", fmt.Sprintf("10.1.%d.%d", rng.IntN(255), rng.IntN(255)))
			a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
			if status >= 500 {
				sp.Status().SetCode(ptrace.StatusCodeError)
				sp.Status().SetMessage("internal error")
			}
		}
		if i%10 == 3 {
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			ev.SetTimestamp(sp.EndTimestamp())
			ev.Attributes().PutStr("exception.type", "context.DeadlineExceeded")
			ev.Attributes().PutStr("exception.message", "context deadline exceeded")
		}
	}
	return td
}

// metricSpec is one metric of the mix. The names are what services really
// send: compliant semantic-convention names next to Prometheus-style seed
// names, deprecated names in milliseconds, unit words and percentages.
type metricSpec struct {
	name, unit string
	kind       pmetric.MetricType
	monotonic  bool
	bounds     []float64
	scale      float64 // typical value
}

var (
	boundsSeconds = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	boundsMillis  = []float64{5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
)

// MetricMix is the metric mix of the generated requests.
var MetricMix = []metricSpec{
	{name: "http.server.request.duration", unit: "s", kind: pmetric.MetricTypeHistogram, bounds: boundsSeconds, scale: 0.08},
	{name: "http_request_duration_seconds", unit: "s", kind: pmetric.MetricTypeHistogram, bounds: boundsSeconds, scale: 0.08},
	{name: "http.server.duration", unit: "ms", kind: pmetric.MetricTypeHistogram, bounds: boundsMillis, scale: 80},
	{name: "db.client.operation.duration", unit: "milliseconds", kind: pmetric.MetricTypeHistogram, bounds: boundsMillis, scale: 4},
	{name: "http_requests_total", unit: "", kind: pmetric.MetricTypeSum, monotonic: true, scale: 1000},
	{name: "system_cpu_percent", unit: "%", kind: pmetric.MetricTypeGauge, scale: 40},
	{name: "system.cpu.utilization", unit: "%", kind: pmetric.MetricTypeGauge, scale: 40},
	{name: "jvm.memory.used", unit: "By", kind: pmetric.MetricTypeSum, scale: 2e8},
	{name: "go.goroutine.count", unit: "{goroutine}", kind: pmetric.MetricTypeSum, scale: 300},
	{name: "http.client.request.duration", unit: "s", kind: pmetric.MetricTypeHistogram, bounds: boundsSeconds, scale: 0.02},
}

// GenMetrics returns one request of about n data points, spread over the
// metrics of MetricMix with n/len(MetricMix) attribute sets each.
func GenMetrics(rng *rand.Rand, variant, n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	fillResource(rm.Resource(), variant, "go")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/runtime")
	sm.Scope().SetVersion("0.63.0")
	per := max(1, n/len(MetricMix))
	now := pcommon.NewTimestampFromTime(time.Now())
	start := pcommon.NewTimestampFromTime(time.Now().Add(-time.Hour))
	// The deprecated http.server.duration comes from an older instrumentation
	// library, in its own scope: beside http.server.request.duration in one
	// scope it would be a semconv "/dup" migration, whose legacy copy
	// semanticmetrics drops rather than counting the requests twice.
	legacy := rm.ScopeMetrics().AppendEmpty()
	legacy.Scope().SetName("opentelemetry.instrumentation.flask")
	legacy.Scope().SetVersion("0.40b0")
	for _, spec := range MetricMix {
		scope := sm
		if spec.name == "http.server.duration" {
			scope = legacy
		}
		m := scope.Metrics().AppendEmpty()
		m.SetName(spec.name)
		m.SetUnit(spec.unit)
		m.SetDescription("benchmark metric " + spec.name)
		switch spec.kind {
		case pmetric.MetricTypeHistogram:
			m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		case pmetric.MetricTypeSum:
			m.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			m.Sum().SetIsMonotonic(spec.monotonic)
		default:
			m.SetEmptyGauge()
		}
		for j := range per {
			var attrs pcommon.Map
			switch spec.kind {
			case pmetric.MetricTypeHistogram:
				dp := m.Histogram().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				dp.ExplicitBounds().FromRaw(spec.bounds)
				counts := make([]uint64, len(spec.bounds)+1)
				var total uint64
				for k := range counts {
					counts[k] = uint64(rng.IntN(50))
					total += counts[k]
				}
				dp.BucketCounts().FromRaw(counts)
				dp.SetCount(total)
				dp.SetSum(float64(total) * spec.scale * (0.5 + rng.Float64()))
				dp.SetMin(spec.scale * 0.05)
				dp.SetMax(spec.scale * 20)
				attrs = dp.Attributes()
			case pmetric.MetricTypeSum:
				dp := m.Sum().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				if spec.monotonic || spec.unit == "{goroutine}" {
					dp.SetIntValue(int64(spec.scale * (1 + rng.Float64())))
				} else {
					dp.SetDoubleValue(spec.scale * (1 + rng.Float64()))
				}
				attrs = dp.Attributes()
			default:
				dp := m.Gauge().DataPoints().AppendEmpty()
				dp.SetTimestamp(now)
				dp.SetDoubleValue(spec.scale * (0.5 + rng.Float64()))
				attrs = dp.Attributes()
			}
			switch {
			case spec.name == "system_cpu_percent" || spec.name == "system.cpu.utilization":
				attrs.PutStr("cpu.mode", []string{"user", "system", "idle", "iowait"}[j%4])
				attrs.PutInt("cpu.logical_number", int64(j/4))
			case spec.kind == pmetric.MetricTypeHistogram || spec.name == "http_requests_total":
				attrs.PutStr("http.request.method", methods[j%len(methods)])
				attrs.PutStr("http.route", routes[j%len(routes)])
				attrs.PutInt("http.response.status_code", statuses[j%len(statuses)])
			default:
				attrs.PutStr("jvm.memory.pool.name", fmt.Sprintf("pool-%d", j))
			}
		}
	}
	return md
}

var severities = []struct {
	num  plog.SeverityNumber
	text string
}{{plog.SeverityNumberInfo, "INFO"}, {plog.SeverityNumberInfo, "INFO"}, {plog.SeverityNumberInfo, "INFO"}, {plog.SeverityNumberWarn, "WARN"}, {plog.SeverityNumberError, "ERROR"}, {plog.SeverityNumberDebug, "DEBUG"}}

// GenLogs returns one request of n log records, most of them correlated with a trace.
func GenLogs(rng *rand.Rand, variant, n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	fillResource(rl.Resource(), variant, "go")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("go.opentelemetry.io/contrib/bridges/otelslog")
	now := time.Now()
	for i := range n {
		lr := sl.LogRecords().AppendEmpty()
		t := pcommon.NewTimestampFromTime(now.Add(-time.Duration(rng.IntN(5000)) * time.Millisecond))
		lr.SetTimestamp(t)
		lr.SetObservedTimestamp(t)
		sev := severities[rng.IntN(len(severities))]
		lr.SetSeverityNumber(sev.num)
		lr.SetSeverityText(sev.text)
		route := routes[rng.IntN(len(routes))]
		status := statuses[rng.IntN(len(statuses))]
		lr.Body().SetStr(fmt.Sprintf("%s %s -> %d in %dms (customer=%d, items=%d)", methods[rng.IntN(len(methods))], route, status, 1+rng.IntN(300), rng.IntN(1e6), rng.IntN(20)))
		if i%4 != 0 {
			var tid pcommon.TraceID
			var sid pcommon.SpanID
			putRand(rng, tid[:])
			putRand(rng, sid[:])
			lr.SetTraceID(tid)
			lr.SetSpanID(sid)
		}
		a := lr.Attributes()
		a.PutStr("http.route", route)
		a.PutInt("http.response.status_code", status)
		a.PutStr("code.function.name", "github.com/shop/orders.(*Handler).ServeHTTP")
		a.PutStr("log.logger", "orders")
	}
	return ld
}

func putRand(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[0] |= 1 // never all zero (invalid id)
}
