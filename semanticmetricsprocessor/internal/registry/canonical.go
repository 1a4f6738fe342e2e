package registry

// canonical lists Obtrace's canonical "semantic metrics" (obtrace-ingest.md,
// section "Obtrace's canonical semantic metrics"): the SDKs emit these names
// and Obtrace's product features are built on them, so they are known and
// valid even where they break OpenTelemetry naming rules, and never renamed.
//
// The SDK list carries no units (its metric() call defaults to "1" and
// recommends ms for latency, By for bytes, 1 for counts and ratios), so Unit
// is "" on every row: any unit is accepted. Instrument is set only where the
// name fixes it (a _total is a counter; a percentile or a utilization can only
// be a gauge); InstrumentUnknown means any instrument is accepted.
var canonical = []Entry{
	{Name: "http_requests_total", Instrument: Counter, Brief: "Throughput."},
	{Name: "http_5xx_total", Instrument: Counter, Brief: "Error rate."},
	{Name: "latency_p95", Instrument: Gauge, Brief: "Latency p95."},
	{Name: "runtime.cpu.utilization", Instrument: Gauge, Brief: "Runtime CPU utilization."},
	{Name: "runtime.memory.usage", Brief: "Runtime memory usage."},
	{Name: "runtime.thread.count", Brief: "Runtime thread count."},
	{Name: "runtime.gc.pause", Brief: "Runtime GC pause."},
	{Name: "runtime.eventloop.lag", Brief: "Runtime event-loop lag."},
	{Name: "cluster.cpu.utilization", Instrument: Gauge, Brief: "Cluster CPU utilization."},
	{Name: "cluster.memory.usage", Brief: "Cluster memory usage."},
	{Name: "cluster.node.count", Brief: "Cluster node count."},
	{Name: "cluster.pod.count", Brief: "Cluster pod count."},
	{Name: "db.operation.latency", Brief: "DB operation latency."},
	{Name: "db.client.errors", Brief: "DB client errors."},
	{Name: "db.connections.usage", Brief: "DB connections usage."},
	{Name: "messaging.consumer.lag", Brief: "Messaging consumer lag."},
	{Name: "web.vital.lcp", Brief: "Web vital LCP."},
	{Name: "web.vital.fcp", Brief: "Web vital FCP."},
	{Name: "web.vital.inp", Brief: "Web vital INP."},
	{Name: "web.vital.cls", Brief: "Web vital CLS."},
	{Name: "web.vital.ttfb", Brief: "Web vital TTFB."},
	{Name: "obtrace.sim.web.react.actions", Brief: "User actions."},
}

const canonicalSource = "obtrace-ingest.md"

// canonicalSpellings are the other spellings under which Obtrace's own SDKs
// send canonical metrics. The gateway delivers what the SDKs send unchanged,
// so these are canonical too: never renamed (not even to the dotted form) and
// never linted. Unit and instrument are left open like the rows above.
var canonicalSpellings = []Entry{
	{Name: "web_vital_lcp_ms", Brief: "Web vital LCP.", Source: jsSDKSource},
	{Name: "web_vital_fcp_ms", Brief: "Web vital FCP.", Source: jsSDKSource},
	{Name: "web_vital_inp_ms", Brief: "Web vital INP.", Source: jsSDKSource},
	{Name: "web_vital_cls", Brief: "Web vital CLS.", Source: jsSDKSource},
	{Name: "web_vital_ttfb_ms", Brief: "Web vital TTFB.", Source: jsSDKSource},
}

const jsSDKSource = "Obtrace JS SDK web vitals (installWebVitals: gauges web_vital_{fcp,lcp,inp,ttfb}_ms in ms, web_vital_cls in 1)"
