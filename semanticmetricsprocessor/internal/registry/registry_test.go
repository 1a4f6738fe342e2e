package registry

import (
	"os"
	"path/filepath"
	"slices"
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
	// Supplement rows for names not in the model: none (http.*.duration are
	// schema legacy names), so the total is model + legacy + canonical.
	if want := 541 + 28 + len(canonical); len(Entries()) != want {
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
		"http_requests_total":                  "http_requests_total",
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
		tgt2, ok2 := Target(c.name)
		if ok2 != ok || tgt2.Name != tgt.Name {
			t.Errorf("Target(%q) = %q, %v; Resolve says %q, %v", c.name, tgt2.Name, ok2, tgt.Name, ok)
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
	if _, ok := Target("a"); ok {
		t.Error("Target on a cycle must fail")
	}
}

func TestEveryRenameResolves(t *testing.T) {
	longest := 0
	for _, e := range Entries() {
		if !e.Deprecated || e.RenamedTo == "" {
			continue
		}
		_, chain, ok := Resolve(e.Name)
		if !ok {
			t.Errorf("%s -> %s does not resolve (chain %v)", e.Name, e.RenamedTo, chain)
		}
		longest = max(longest, len(chain))
	}
	if longest >= maxHops {
		t.Errorf("longest chain %d >= maxHops %d", longest, maxHops)
	}
}

func TestCuratedRows(t *testing.T) {
	// Wrong model metadata is corrected to the target's.
	for _, n := range []string{"system.linux.memory.available", "system.linux.memory.slab.usage"} {
		e, _ := Lookup(n)
		tgt, ok := Target(n)
		if !ok || e.Unit != tgt.Unit || e.Instrument != tgt.Instrument {
			t.Errorf("%s: %s/%s, target %s %s/%s", n, e.Unit, e.Instrument, tgt.Name, tgt.Unit, tgt.Instrument)
		}
	}
	// Unit-changing renames keep the old unit on the legacy entry.
	for _, n := range []string{"http.server.duration", "http.client.duration", "rpc.server.duration", "rpc.client.duration",
		"db.client.connections.create_time", "db.client.connections.wait_time", "db.client.connections.use_time"} {
		e, _ := Lookup(n)
		tgt, ok := Target(n)
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
		if tgt, ok := Target(c.Name); !ok || tgt.Name != c.Name {
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
		if e.Deprecated {
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
		Target("process.runtime.jvm.cpu.utilization")
	})
	if n != 0 {
		t.Errorf("lookups allocate: %v", n)
	}
}
