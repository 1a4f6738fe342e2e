package registry

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry/internal/gen"
)

// snapshotDir is where go generate reads the semconv snapshot: $SEMCONV_DIR,
// or ../shared beside the project checkout.
func snapshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SEMCONV_DIR")
	if dir == "" {
		dir = filepath.FromSlash("../../../../shared/semconv/v1.44.0")
	}
	if _, err := os.Stat(filepath.Join(dir, "model")); err != nil {
		t.Skipf("semconv snapshot not found at %s (set SEMCONV_DIR): %v", dir, err)
	}
	return dir
}

func TestGeneratedTableIsUpToDate(t *testing.T) {
	res, err := gen.Load(snapshotDir(t))
	if err != nil {
		t.Fatal(err)
	}
	want, err := gen.Render(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_generated_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("zz_generated_table.go is stale: run go generate ./semanticmetricsprocessor/internal/registry")
	}
}

func TestSnapshotCounts(t *testing.T) {
	res, err := gen.Load(snapshotDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defs, active, dep, legacy := res.Counts()
	if defs != 541 || active != 444 || dep != 97 || legacy != 28 {
		t.Errorf("snapshot counts: %d definitions (%d active, %d deprecated), %d legacy-only; want 541 (444, 97), 28",
			defs, active, dep, legacy)
	}
}

func TestTableCounts(t *testing.T) {
	var active, dep int
	for _, e := range generatedModel {
		if e.Deprecated {
			dep++
		} else {
			active++
		}
	}
	if len(generatedModel) != 541 || active != 444 || dep != 97 || len(generatedLegacy) != 28 {
		t.Errorf("table: %d (%d active, %d deprecated), %d legacy", len(generatedModel), active, dep, len(generatedLegacy))
	}
	// Supplement rows for names not in the model: the library renames that
	// no schema file lists (http.*.duration are schema legacy names), so the
	// total is model + legacy + those + canonical names and spellings.
	generated := map[string]bool{}
	for _, e := range append(append([]Entry(nil), generatedModel...), generatedLegacy...) {
		generated[e.Name] = true
	}
	added := 0
	for _, c := range supplement {
		if !generated[c.Name] {
			added++
		}
	}
	if added != 13 {
		t.Errorf("supplement rows for names outside the generated table: %d, want 13", added)
	}
	if want := 541 + 28 + added + len(canonical) + len(canonicalSpellings); len(Entries()) != want {
		t.Errorf("Entries() = %d, want %d", len(Entries()), want)
	}
	if len(canonical) != 22 {
		t.Errorf("canonical names: %d, want 22", len(canonical))
	}
	if !slices.IsSortedFunc(Entries(), func(a, b Entry) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	}) {
		t.Error("Entries() not sorted")
	}
}

func TestExamples(t *testing.T) {
	e, ok := Lookup("http.server.request.duration")
	if !ok || e.Unit != "s" || e.Instrument != Histogram || e.Stability != "stable" || len(e.BucketBoundaries) != 14 ||
		e.BucketBoundaries[0] != 0.005 || e.BucketBoundaries[13] != 10 {
		t.Errorf("http.server.request.duration = %+v, %v", e, ok)
	}
	e, ok = Lookup("http.server.duration")
	if !ok || e.Unit != "ms" || e.Instrument != Histogram || !e.Deprecated {
		t.Errorf("http.server.duration = %+v, %v", e, ok)
	}
	tgt, chain, ok := Resolve("http.server.duration")
	if !ok || tgt.Name != "http.server.request.duration" || !slices.Equal(chain, []string{"http.server.duration", "http.server.request.duration"}) {
		t.Errorf("Resolve(http.server.duration) = %s, %v, %v", tgt.Name, chain, ok)
	}
	for prom, want := range map[string]string{
		"http_server_request_duration_seconds": "http.server.request.duration",
		"http_server_request_duration":         "http.server.request.duration",
		"http.server.request.duration_seconds": "http.server.request.duration",
		"system_cpu_time_seconds_total":        "system.cpu.time",
		"system_cpu_time_seconds":              "system.cpu.time",
		"system_cpu_time_total":                "system.cpu.time",
		"system_cpu_utilization_ratio":         "system.cpu.utilization",
		"system_memory_usage_bytes":            "system.memory.usage",
		"system_network_io_bytes_total":        "system.network.io",
		"hw_fan_speed_ratio":                   "hw.fan.speed_ratio",
		"hw_fan_speed_rpm":                     "hw.fan.speed",
	} {
		if e, ok := LookupPrometheus(prom); !ok || e.Name != want {
			t.Errorf("LookupPrometheus(%q) = %q, %v; want %q", prom, e.Name, ok, want)
		}
	}
	if _, ok := LookupPrometheus("http_server_duration_milliseconds"); ok {
		t.Error("deprecated names must not be in the Prometheus index")
	}
	// Old instrumentation behind a Prometheus exporter: the deprecated index.
	for prom, want := range map[string]string{
		"http_server_duration_milliseconds":    "http.server.duration",     // otelhttp <= v0.48, Python 0.4xb0
		"http_server_request_size_bytes_total": "http.server.request.size", // otelhttp v0.49-v0.5x
		"http_client_request_size_bytes_total": "http.client.request.size", // otelhttp Transport v0.49-v0.5x
		"runtime_uptime_milliseconds_total":    "runtime.uptime",           // contrib runtime < v0.52
	} {
		if e, ok := LookupPrometheusDeprecated(prom); !ok || e.Name != want {
			t.Errorf("LookupPrometheusDeprecated(%q) = %q, %v; want %q", prom, e.Name, ok, want)
		}
	}
	if _, ok := LookupPrometheusDeprecated("http_server_request_duration_seconds"); ok {
		t.Error("an active translation must not be in the deprecated index")
	}
	// Canonical names are not in the reverse index: the Obtrace SDKs' own
	// spellings are canonical entries, never renamed to another one.
	for _, n := range []string{"http_requests_total", "web_vital_cls", "web_vital_lcp"} {
		if e, ok := LookupPrometheus(n); ok {
			t.Errorf("LookupPrometheus(%q) = %q; canonical names are not indexed", n, e.Name)
		}
	}
	for _, n := range []string{"web_vital_cls", "web_vital_lcp_ms", "web_vital_fcp_ms", "web_vital_inp_ms", "web_vital_ttfb_ms"} {
		if e, ok := Lookup(n); !ok || !e.Canonical {
			t.Errorf("Lookup(%q) = %+v, %v; want canonical (Obtrace JS SDK spelling)", n, e, ok)
		}
	}
	if f, ok := LookupFamily("process.runtime.go.mem.heap_alloc"); !ok || f.Successor != "go.*" {
		t.Errorf("LookupFamily(process.runtime.go.mem.heap_alloc) = %+v, %v", f, ok)
	}
	if _, ok := LookupFamily("process.runtime.cpython.memory"); ok {
		t.Error("process.runtime.cpython.* is still emitted by current Python system-metrics: not a family")
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name   string
		target string // "" = not ok
		chain  []string
	}{
		// Schema cycle: 1.31 system.cpu.time -> cpu.time, 1.34 back. The
		// model entry of system.cpu.time is active, so it wins.
		{"cpu.time", "system.cpu.time", []string{"cpu.time", "system.cpu.time"}},
		{"system.cpu.time", "system.cpu.time", []string{"system.cpu.time"}},
		{"cpu.utilization", "system.cpu.utilization", []string{"cpu.utilization", "system.cpu.utilization"}},
		// Chains over legacy-only and deprecated model names.
		{"process.runtime.jvm.cpu.utilization", "jvm.cpu.recent_utilization",
			[]string{"process.runtime.jvm.cpu.utilization", "process.runtime.jvm.cpu.recent_utilization", "jvm.cpu.recent_utilization"}},
		{"process.open_file_descriptors", "process.unix.file_descriptor.count",
			[]string{"process.open_file_descriptors", "process.open_file_descriptor.count", "process.unix.file_descriptor.count"}},
		{"process.runtime.jvm.memory.usage", "jvm.memory.used",
			[]string{"process.runtime.jvm.memory.usage", "jvm.memory.usage", "jvm.memory.used"}},
		// Curated unit-changing renames.
		{"rpc.server.duration", "rpc.server.call.duration", []string{"rpc.server.duration", "rpc.server.call.duration"}},
		{"db.client.connections.wait_time", "db.client.connection.wait_time", []string{"db.client.connections.wait_time", "db.client.connection.wait_time"}},
		// Obsoleted and moved: no target.
		{"rpc.server.request.size", "", []string{"rpc.server.request.size"}},
		{"gen_ai.client.token.usage", "", []string{"gen_ai.client.token.usage"}},
		{"no.such.metric", "", nil},
	}
	for _, c := range cases {
		tgt, chain, ok := Resolve(c.name)
		if ok != (c.target != "") || tgt.Name != c.target || !slices.Equal(chain, c.chain) {
			t.Errorf("Resolve(%q) = %q, %v, %v; want %q, %v", c.name, tgt.Name, chain, ok, c.target, c.chain)
		}
	}
	if e, _ := Lookup("gen_ai.client.token.usage"); e.DeprecationReason != "moved" {
		t.Errorf("gen_ai.client.token.usage reason %q, want moved", e.DeprecationReason)
	}
	if e, _ := Lookup("rpc.server.request.size"); e.DeprecationReason != "obsoleted" {
		t.Errorf("rpc.server.request.size reason %q, want obsoleted", e.DeprecationReason)
	}
}

// A cycle of deprecated names only (not in the table today) must terminate.
func TestResolveCycle(t *testing.T) {
	saved := byName
	t.Cleanup(func() { byName = saved })
	byName = map[string]Entry{
		"a": {Name: "a", Deprecated: true, RenamedTo: "b"},
		"b": {Name: "b", Deprecated: true, RenamedTo: "a"},
	}
	if _, chain, ok := Resolve("a"); ok || !slices.Equal(chain, []string{"a", "b"}) {
		t.Errorf("Resolve on a cycle = %v, %v", chain, ok)
	}
}

func TestEveryRenameResolves(t *testing.T) {
	for _, e := range Entries() {
		if !e.Deprecated || e.RenamedTo == "" {
			continue
		}
		_, chain, ok := Resolve(e.Name)
		if !ok {
			t.Errorf("%s -> %s does not resolve (chain %v)", e.Name, e.RenamedTo, chain)
		}
	}
}

func TestCuratedRows(t *testing.T) {
	// Wrong model metadata is corrected to the target's.
	for _, n := range []string{"system.linux.memory.available", "system.linux.memory.slab.usage"} {
		e, _ := Lookup(n)
		tgt, _, ok := Resolve(n)
		if !ok || e.Unit != tgt.Unit || e.Instrument != tgt.Instrument {
			t.Errorf("%s: %s/%s, target %s %s/%s", n, e.Unit, e.Instrument, tgt.Name, tgt.Unit, tgt.Instrument)
		}
	}
	// Unit-changing renames keep the old unit on the legacy entry.
	for _, n := range []string{"http.server.duration", "http.client.duration", "rpc.server.duration", "rpc.client.duration",
		"db.client.connections.create_time", "db.client.connections.wait_time", "db.client.connections.use_time"} {
		e, _ := Lookup(n)
		tgt, _, ok := Resolve(n)
		if !ok || e.Unit != "ms" || tgt.Unit != "s" || e.Instrument != Histogram || tgt.Instrument != Histogram {
			t.Errorf("%s (%s %s) -> %s (%s %s), %v", n, e.Unit, e.Instrument, tgt.Name, tgt.Unit, tgt.Instrument, ok)
		}
	}
	// Every target reached by several distinct legacy names is either a
	// flagged merge or a documented alias (same series under two spellings).
	aliases := map[string]bool{
		"k8s.replicationcontroller.pod.available": true, // k8s.replication_controller.* and k8s.replicationcontroller.*
		"k8s.replicationcontroller.pod.desired":   true,
		"messaging.client.sent.messages":          true, // messaging.publish.messages, then messaging.client.published.messages
	}
	sources := map[string][]Entry{}
	for _, e := range Entries() {
		if e.Deprecated && e.RenamedTo != "" {
			sources[e.RenamedTo] = append(sources[e.RenamedTo], e)
		}
	}
	merges := 0
	for tgt, src := range sources {
		if len(src) < 2 || aliases[tgt] {
			for _, e := range src {
				if e.ManyToOne && !aliases[tgt] {
					t.Errorf("%s flagged ManyToOne but is the only source of %s", e.Name, tgt)
				}
			}
			continue
		}
		for _, e := range src {
			if !e.ManyToOne {
				t.Errorf("%s -> %s: several sources, not flagged ManyToOne", e.Name, tgt)
			}
			merges++
		}
	}
	if merges != 4 {
		t.Errorf("ManyToOne sources: %d, want 4", merges)
	}
}

func TestCanonical(t *testing.T) {
	for _, c := range canonical {
		e, ok := Lookup(c.Name)
		if !ok || !e.Canonical || e.Deprecated || e.Source != "obtrace-ingest.md" {
			t.Errorf("%s: %+v", c.Name, e)
		}
		if tgt, _, ok := Resolve(c.Name); !ok || tgt.Name != c.Name {
			t.Errorf("%s must resolve to itself", c.Name)
		}
		for _, g := range generatedModel {
			if g.Name == c.Name {
				t.Errorf("canonical %s is also a semconv metric", c.Name)
			}
		}
	}
}

func TestPrometheusIndex(t *testing.T) {
	if amb := prometheusAmbiguous(); len(amb) != 0 {
		t.Errorf("ambiguous exact Prometheus names: %v", amb)
	}
	for _, e := range Entries() {
		if e.Deprecated || e.Canonical {
			continue
		}
		p := PrometheusName(e.Name, e.Unit, e.Instrument)
		if got, ok := LookupPrometheus(p); !ok || got.Name != e.Name {
			t.Errorf("LookupPrometheus(%q) = %q, %v; want %q", p, got.Name, ok, e.Name)
		}
	}
	for _, c := range []struct {
		name, unit string
		inst       Instrument
		want       string
	}{
		{"http.server.request.duration", "s", Histogram, "http_server_request_duration_seconds"},
		{"system.network.io", "By", Counter, "system_network_io_bytes_total"},
		{"system.cpu.utilization", "1", Gauge, "system_cpu_utilization_ratio"},
		{"jvm.thread.count", "{thread}", UpDownCounter, "jvm_thread_count"},
		{"acme.rate", "By/s", Gauge, "acme_rate_bytes_per_second"},
		{"acme.pps", "{packet}/s", Gauge, "acme_pps_per_second"},
		{"acme.jobs_total", "1", Counter, "acme_jobs_total"},
		{"go.config.gogc", "%", UpDownCounter, "go_config_gogc_percent"},
	} {
		if got := PrometheusName(c.name, c.unit, c.inst); got != c.want {
			t.Errorf("PrometheusName(%q, %q, %s) = %q, want %q", c.name, c.unit, c.inst, got, c.want)
		}
	}
}

func TestLookupsDoNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		Lookup("http.server.request.duration")
		LookupPrometheus("http_server_request_duration_seconds")
	})
	if n != 0 {
		t.Errorf("lookups allocate: %v", n)
	}
}

// TestLibraryRenames: renames and successors that instrumentation libraries
// made but the schema files do not list; each row names the library and the
// version it comes from, and its supplement row cites it.
func TestLibraryRenames(t *testing.T) {
	for _, tt := range []struct {
		name, library     string
		target, successor string // Resolve target, or the successor of a successor-only row
		unit              string // legacy unit
	}{
		{"http.client.request.size", "otelhttp Transport v0.49-v0.5x", "http.client.request.body.size", "", "By"},
		{"http.client.response.size", "otelhttp Transport v0.49-v0.5x", "http.client.response.body.size", "", "By"},
		{"http.server.request.size", "otelhttp v0.49-v0.5x", "http.server.request.body.size", "", "By"},
		{"http.server.request_content_length", "otelhttp <= v0.48", "http.server.request.body.size", "", "By"},
		{"http.server.response_content_length", "otelhttp <= v0.48", "http.server.response.body.size", "", "By"},
		{"process.runtime.jvm.gc.duration", "Java agent 1.x", "jvm.gc.duration", "", "ms"},
		{"process.runtime.go.goroutines", "contrib runtime < v0.52.0", "go.goroutine.count", "", "{goroutine}"},
		{"runtime.go.goroutines", "contrib runtime v0.2x", "go.goroutine.count", "", "{goroutine}"},
		{"runtime.uptime", "contrib runtime < v0.52.0", "process.uptime", "", "ms"},
		{"process.runtime.dotnet.gc.collections.count", "OpenTelemetry.Instrumentation.Runtime 1.x", "dotnet.gc.collections", "", "{collections}"},
		{"process.runtime.dotnet.exceptions.count", "OpenTelemetry.Instrumentation.Runtime 1.x", "dotnet.exceptions", "", "{exceptions}"},
		{"process.runtime.dotnet.thread_pool.threads.count", "OpenTelemetry.Instrumentation.Runtime 1.x", "dotnet.thread_pool.thread.count", "", "{threads}"},
		{"process.runtime.dotnet.thread_pool.queue.length", "OpenTelemetry.Instrumentation.Runtime 1.x", "dotnet.thread_pool.queue.length", "", "{items}"},
		{"process.runtime.dotnet.timer.count", "OpenTelemetry.Instrumentation.Runtime 1.x", "dotnet.timer.count", "", "{timers}"},
		{"system.thread_count", "opentelemetry-instrumentation-system-metrics (Python contrib)", "", "process.thread.count", "{thread}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := Lookup(tt.name)
			if !ok || !e.Deprecated || e.Unit != tt.unit || !strings.Contains(e.Source, "curated: ") {
				t.Fatalf("%s (%s): %+v, %v", tt.name, tt.library, e, ok)
			}
			tgt, _, ok := Resolve(tt.name)
			if tt.target != "" && (!ok || tgt.Name != tt.target) {
				t.Errorf("%s (%s) -> %q, %v; want %q", tt.name, tt.library, tgt.Name, ok, tt.target)
			}
			if tt.successor != "" && (ok || e.Successor != tt.successor) {
				t.Errorf("%s (%s): successor %q (resolves %v); want %q, not renamed", tt.name, tt.library, e.Successor, ok, tt.successor)
			}
		})
	}
}
