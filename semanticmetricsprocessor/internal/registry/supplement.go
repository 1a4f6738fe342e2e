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
