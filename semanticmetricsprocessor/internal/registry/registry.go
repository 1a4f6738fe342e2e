// Package registry is the table of known metrics: the OpenTelemetry semantic
// conventions (generated from the v1.44.0 snapshot), a curated supplement of
// renames that change units or merge metrics, and Obtrace's canonical names.
//
// Sources, in order of precedence when building the table at init:
//   - zz_generated_table.go: every metric of model/ plus the legacy names
//     found only in the schema rename lists (go generate; see gen/);
//   - supplement.go: curated rows for what the YAML says only in prose
//     (unit-changing renames, many-to-one merges, wrong metadata) and the
//     explicit-bucket advice, which the model at v1.44.0 does not carry;
//   - canonical.go: Obtrace's canonical names (never renamed).
package registry

import "slices"

//go:generate go run ./gen -semconv ../../../../shared/semconv/v1.44.0 -out zz_generated_table.go

// Instrument is the instrument kind the conventions require for a metric.
type Instrument uint8

// The instrument kinds; InstrumentUnknown is the zero value.
const (
	InstrumentUnknown Instrument = iota
	Counter
	UpDownCounter
	Gauge
	Histogram
)

func (i Instrument) String() string {
	switch i {
	case Counter:
		return "counter"
	case UpDownCounter:
		return "updowncounter"
	case Gauge:
		return "gauge"
	case Histogram:
		return "histogram"
	}
	return "unknown"
}

// Entry describes one known metric name.
//
// Unit semantics: for an active entry, Unit is the unit the conventions
// require. For a deprecated entry, Unit is the unit the legacy metric was
// emitted in (the OLD unit, e.g. "ms" for http.server.duration), so that a
// processor can convert by ucum.Factor(old.Unit, target.Unit); "" there means
// unknown (most schema-only names), so use the data's own unit. For a
// Canonical entry, "" means any unit is accepted.
type Entry struct {
	Name       string
	Unit       string // UCUM, exactly as the source writes it (see above)
	Instrument Instrument
	ValueType  string // "int", "double" or "" when the source does not say
	Stability  string // "stable", "release_candidate", "development" ("" for legacy-only names)
	// Deprecated entries carry RenamedTo when the source names a replacement.
	Deprecated        bool
	RenamedTo         string
	DeprecationReason string // "renamed", "obsoleted", "moved", "uncategorized", "schema" (legacy-only)
	// DeprecationNote is the model's deprecation note (prose), if any.
	DeprecationNote string
	// ManyToOne is set on a deprecated entry whose rename target also
	// receives other, distinct legacy metrics (messaging.publish.duration and
	// messaging.receive.duration -> messaging.client.operation.duration): a
	// bare rename merges their series unless a distinguishing attribute is added.
	ManyToOne bool
	// Successor names the metric (or, on a Family, the namespace) that
	// replaced a deprecated entry without being the same measurement
	// (process.runtime.go.mem.heap_alloc -> go.memory.used): suggested, never
	// renamed to. Set only where RenamedTo is empty.
	Successor string
	// BucketBoundaries is the explicit-bucket advice, nil when there is none.
	BucketBoundaries []float64
	// Source cites where the row comes from, e.g. "model/http/metrics.yaml",
	// "schemas/1.44.0", "curated: docs/non-normative/http-migration.md", "obtrace-ingest.md".
	Source string
	// Canonical marks Obtrace's canonical names: known and valid even where
	// they break OpenTelemetry naming rules; never renamed.
	Canonical bool
	// Brief is the one-line description from the conventions ("" when none).
	Brief string
}

// Lookup returns the entry for an exact metric name.
func Lookup(name string) (Entry, bool) {
	e, ok := byName[name]
	return e, ok
}

// Entries returns every entry, sorted by name. Callers must not modify it.
func Entries() []Entry { return entries }

// Resolve follows the rename chain that starts at name until it reaches a
// name that is not deprecated (the rename target). It is cycle-safe: the
// schema files contain cycles such as system.cpu.time -> cpu.time ->
// system.cpu.time, and resolution stops at the first active name. ok is false
// when name is unknown or the chain ends in an obsoleted metric without a
// replacement. chain lists every name visited, starting with name.
func Resolve(name string) (target Entry, chain []string, ok bool) {
	cur := name
	for {
		e, found := byName[cur]
		if !found || slices.Contains(chain, cur) {
			return Entry{}, chain, false
		}
		chain = append(chain, cur)
		if !e.Deprecated {
			return e, chain, true
		}
		if e.RenamedTo == "" {
			return Entry{}, chain, false
		}
		cur = e.RenamedTo
	}
}

// LookupPrometheusDeprecated resolves the exact Prometheus translation of a
// deprecated entry whose legacy unit and instrument are known
// (http_server_duration_milliseconds -> http.server.duration). Names that
// LookupPrometheus finds are never found here.
func LookupPrometheusDeprecated(promName string) (Entry, bool) {
	e, ok := byPrometheusDeprecatedName[promName]
	return e, ok
}

// LookupFamily returns the deprecated family whose prefix name starts with
// (process.runtime.go.* -> go.*), for names that no row lists one by one.
func LookupFamily(name string) (Family, bool) {
	for _, f := range families {
		if len(name) > len(f.Prefix) && name[:len(f.Prefix)] == f.Prefix {
			return f, true
		}
	}
	return Family{}, false
}

// LookupPrometheus resolves a Prometheus-style name (as produced by the
// Prometheus OTLP translator: '.' -> '_', unit suffix such as _seconds or
// _bytes, _total for counters, _ratio for unit 1) to the registry entry it
// was translated from. Only non-deprecated entries are indexed. Besides the
// exact translation (PrometheusName), each entry is also found under the
// variants without the unit suffix, without _total, without both, and the
// UTF-8 form that keeps the dots (http.server.request.duration_seconds); an
// exact translation wins over a variant, and keys that two entries claim
// equally are left out. The lookup does not allocate.
func LookupPrometheus(promName string) (Entry, bool) {
	e, ok := byPrometheusName[promName]
	return e, ok
}
