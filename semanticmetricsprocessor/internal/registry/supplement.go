package registry

// Curated rows for what the semantic conventions state only in prose. Each row
// cites its source. When a row names a metric already in the generated table,
// it is merged into it (see merge): non-zero fields of the row win, booleans
// are OR'ed, and the sources are joined. Rows for names not in the table are
// added as they are.
var supplement = []Entry{
	// HTTP: the 1.22 schema renames http.{server,client}.duration, but only the
	// migration guide says the unit changed from ms to s (and that the zero
	// bucket was removed).
	{Name: "http.server.duration", Unit: "ms", Instrument: Histogram, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.server.request.duration", Source: "curated: docs/non-normative/http-migration.md (unit ms -> s)"},
	{Name: "http.client.duration", Unit: "ms", Instrument: Histogram, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.client.request.duration", Source: "curated: docs/non-normative/http-migration.md (unit ms -> s)"},

	// RPC and DB connection pool: reason "uncategorized", replacement and new
	// unit given only in the deprecation note ("Replaced by `x` with unit `s`.").
	{Name: "rpc.server.duration", Unit: "ms", Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "rpc.server.call.duration", Source: "curated: deprecation note (unit ms -> s)"},
	{Name: "rpc.client.duration", Unit: "ms", Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "rpc.client.call.duration", Source: "curated: deprecation note (unit ms -> s)"},
	{Name: "db.client.connections.create_time", Unit: "ms", Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "db.client.connection.create_time", Source: "curated: deprecation note (unit ms -> s)"},
	{Name: "db.client.connections.wait_time", Unit: "ms", Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "db.client.connection.wait_time", Source: "curated: deprecation note (unit ms -> s)"},
	{Name: "db.client.connections.use_time", Unit: "ms", Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "db.client.connection.use_time", Source: "curated: deprecation note (unit ms -> s)"},

	// Many-to-one renames that merge distinct series (publish vs receive,
	// process vs receive): a bare rename needs a distinguishing attribute
	// (messaging.operation.type). Not flagged: targets that receive two
	// spellings or two eras of the same metric (k8s.replication_controller.* /
	// k8s.replicationcontroller.*; messaging.publish.messages /
	// messaging.client.published.messages): those carry the same series.
	{Name: "messaging.publish.duration", ManyToOne: true, Source: "curated: semantic-rules.md (many-to-one rename)"},
	{Name: "messaging.receive.duration", ManyToOne: true, Source: "curated: semantic-rules.md (many-to-one rename)"},
	{Name: "messaging.process.messages", ManyToOne: true, Source: "curated: semantic-rules.md (many-to-one rename)"},
	{Name: "messaging.receive.messages", ManyToOne: true, Source: "curated: semantic-rules.md (many-to-one rename)"},

	// Renames that the instrumentation libraries made but the schema files do
	// not list (or list without the legacy unit and instrument). A row is a
	// rename (RenamedTo) where the successor measures the same thing; the
	// processor still applies it only when the received instrument matches the
	// target's and the unit converts exactly, so otelhttp's counters below are
	// findings that name the successor, while a histogram of the same name is
	// renamed. Successor-only rows measure something else: suggested, never
	// renamed.
	{Name: "http.server.request.size", Unit: "By", Instrument: Counter,
		Source: "curated: otelhttp (go.opentelemetry.io/contrib) v0.49-v0.5x emitted an Int64Counter in By before http.server.request.body.size (histogram)"},
	{Name: "http.server.response.size", Unit: "By", Instrument: Counter,
		Source: "curated: otelhttp (go.opentelemetry.io/contrib) v0.49-v0.5x emitted an Int64Counter in By before http.server.response.body.size (histogram)"},
	{Name: "http.client.request.size", Unit: "By", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.client.request.body.size", Source: "curated: otelhttp Transport (go.opentelemetry.io/contrib) v0.49-v0.5x; semconv 1.21 http.client.request.size (histogram, By); not renamed by schemas/1.22.0"},
	{Name: "http.client.response.size", Unit: "By", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.client.response.body.size", Source: "curated: otelhttp Transport (go.opentelemetry.io/contrib) v0.49-v0.5x; semconv 1.21 http.client.response.size (histogram, By); not renamed by schemas/1.22.0"},
	{Name: "http.server.request_content_length", Unit: "By", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.server.request.size", Source: "curated: otelhttp (go.opentelemetry.io/contrib) <= v0.48 Int64Counter, renamed to http.server.request.size in v0.49"},
	{Name: "http.server.response_content_length", Unit: "By", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "http.server.response.size", Source: "curated: otelhttp (go.opentelemetry.io/contrib) <= v0.48 Int64Counter, renamed to http.server.response.size in v0.49"},
	{Name: "process.runtime.jvm.gc.duration", Unit: "ms", Instrument: Histogram,
		Source: "curated: OpenTelemetry Java agent 1.x (runtime-telemetry-java8) recorded it in ms; 2.0 emits jvm.gc.duration in s"},
	{Name: "process.runtime.go.goroutines", Unit: "{goroutine}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "go.goroutine.count", Source: "curated: go.opentelemetry.io/contrib/instrumentation/runtime v0.52.0 CHANGELOG (go.* semconv metrics; deprecated ones behind OTEL_GO_X_DEPRECATED_RUNTIME_METRICS)"},
	{Name: "runtime.go.goroutines", Unit: "{goroutine}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "process.runtime.go.goroutines", Source: "curated: go.opentelemetry.io/contrib/instrumentation/runtime v0.2x runtime.go.*, renamed process.runtime.go.* in v0.3x"},
	{Name: "runtime.uptime", Unit: "ms", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "process.uptime", Source: "curated: go.opentelemetry.io/contrib/instrumentation/runtime (runtime.uptime, ms counter) v0.52.0 deprecation; semconv process.uptime is a gauge in s"},
	{Name: "process.runtime.dotnet.gc.collections.count", Unit: "{collections}", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "dotnet.gc.collections", Source: dotnetRuntimeSource},
	{Name: "process.runtime.dotnet.exceptions.count", Unit: "{exceptions}", Instrument: Counter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "dotnet.exceptions", Source: dotnetRuntimeSource},
	{Name: "process.runtime.dotnet.thread_pool.threads.count", Unit: "{threads}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "dotnet.thread_pool.thread.count", Source: dotnetRuntimeSource},
	{Name: "process.runtime.dotnet.thread_pool.queue.length", Unit: "{items}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "dotnet.thread_pool.queue.length", Source: dotnetRuntimeSource},
	{Name: "process.runtime.dotnet.timer.count", Unit: "{timers}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "renamed",
		RenamedTo: "dotnet.timer.count", Source: dotnetRuntimeSource},
	{Name: "system.thread_count", Unit: "{thread}", Instrument: UpDownCounter, Deprecated: true, DeprecationReason: "replaced",
		Successor: "process.thread.count", Source: "curated: opentelemetry-instrumentation-system-metrics (Python contrib) counts threading.active_count(), the interpreter's threads, not the OS threads of process.thread.count"},

	// Wrong metadata in the model (copy-paste of system.network.packets:
	// counter, {packet}, "The number of packets transferred."). The legacy
	// metrics were memory sizes; the rename targets are updowncounter/By.
	{Name: "system.linux.memory.available", Unit: "By", Instrument: UpDownCounter,
		Source: "curated: model copy-paste error, metadata of target system.memory.linux.available"},
	{Name: "system.linux.memory.slab.usage", Unit: "By", Instrument: UpDownCounter,
		Source: "curated: model copy-paste error, metadata of target system.memory.linux.slab.usage"},
}

// standardDurationBuckets is the advice for HTTP and RPC request durations, in s.
var standardDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// bucketAdvice is the explicit-bucket-boundaries advice. The model YAML at
// v1.44.0 carries none (no advice field, no "ExplicitBucketBoundaries" in any
// model file): the docs state it in prose ("This metric SHOULD be specified
// with ExplicitBucketBoundaries of [...]"), and code generators keep their own
// list. These rows are the ones in go.opentelemetry.io/otel v1.46.0
// semconv/templates/registry/go/weaver.yaml (custom_bucket_boundaries); the
// HTTP rows are also stated in docs/http/http-metrics.md. Other docs pages
// (database, messaging, gen_ai) state advice in prose too; they are not listed
// here because this snapshot cannot confirm them.
var bucketAdvice = map[string][]float64{
	"http.server.request.duration": standardDurationBuckets,
	"http.client.request.duration": standardDurationBuckets,
	"rpc.server.call.duration":     standardDurationBuckets,
	"rpc.client.call.duration":     standardDurationBuckets,
}

// merge folds a curated row into an existing entry.
func merge(base, c Entry) Entry {
	if c.Unit != "" {
		base.Unit = c.Unit
	}
	if c.Instrument != InstrumentUnknown {
		base.Instrument = c.Instrument
	}
	if c.ValueType != "" {
		base.ValueType = c.ValueType
	}
	if c.Stability != "" {
		base.Stability = c.Stability
	}
	if c.RenamedTo != "" {
		base.RenamedTo = c.RenamedTo
	}
	if c.DeprecationReason != "" {
		base.DeprecationReason = c.DeprecationReason
	}
	if c.DeprecationNote != "" {
		base.DeprecationNote = c.DeprecationNote
	}
	if c.BucketBoundaries != nil {
		base.BucketBoundaries = c.BucketBoundaries
	}
	if c.Brief != "" {
		base.Brief = c.Brief
	}
	base.Deprecated = base.Deprecated || c.Deprecated
	base.ManyToOne = base.ManyToOne || c.ManyToOne
	base.Canonical = base.Canonical || c.Canonical
	switch {
	case base.Source == "":
		base.Source = c.Source
	case c.Source != "":
		base.Source += "; " + c.Source
	}
	return base
}

// Family is a deprecated namespace that an instrumentation library replaced
// by a documented successor namespace, for the names no row lists one by one.
// Its members are findings that name the successor; they are never renamed
// (most successors measure something slightly different: heap_alloc is not
// go.memory.used).
type Family struct {
	Prefix    string // with the trailing '.'
	Successor string // e.g. "go.*"
	Source    string
}

var families = []Family{
	{Prefix: "process.runtime.go.", Successor: "go.*",
		Source: "go.opentelemetry.io/contrib/instrumentation/runtime v0.52.0 CHANGELOG: process.runtime.go.* deprecated for the go.* semantic conventions"},
	{Prefix: "runtime.go.", Successor: "go.*",
		Source: "go.opentelemetry.io/contrib/instrumentation/runtime: runtime.go.* (v0.2x) became process.runtime.go.* (v0.3x), then go.* (v0.52.0)"},
	{Prefix: "process.runtime.jvm.", Successor: "jvm.*",
		Source: "OpenTelemetry Java agent 2.0.0 release notes: runtime metrics follow the stable jvm.* conventions"},
	{Prefix: "process.runtime.dotnet.", Successor: "dotnet.*",
		Source: "OpenTelemetry.Instrumentation.Runtime README: on .NET 9+ the runtime's System.Runtime meter emits dotnet.*"},
}

// dotnetRuntimeSource cites the .NET runtime-metrics migration.
const dotnetRuntimeSource = "curated: OpenTelemetry.Instrumentation.Runtime README (.NET 9+: use the built-in System.Runtime meter, dotnet.*)"
