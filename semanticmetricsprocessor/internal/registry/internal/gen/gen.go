// Package gen reads a semantic-conventions snapshot (the model/ and schemas/
// folders of open-telemetry/semantic-conventions at one tag) and renders the
// Go table of package registry. It is a package, not just a main, so that the
// registry tests can re-run it in memory and compare with the committed file.
package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Metric is one metric definition (or legacy schema-only name) as the
// snapshot states it. Nothing is corrected here: curation lives in package
// registry (supplement.go), so that the generated table stays a faithful copy.
type Metric struct {
	Name       string
	Unit       string
	Instrument string // counter, updowncounter, gauge, histogram; "" for legacy-only
	ValueType  string // int, double or ""
	Stability  string
	Brief      string

	Deprecated        bool
	RenamedTo         string
	DeprecationReason string // renamed, obsoleted, uncategorized, moved, schema
	DeprecationNote   string

	Source string // path relative to the snapshot, e.g. model/http/metrics.yaml
}

// Result is everything the generator extracts from a snapshot.
type Result struct {
	Version string   // schema version of the snapshot, e.g. "1.44.0"
	Metrics []Metric // model definitions, sorted by name
	Legacy  []Metric // names found only in the schema rename lists, sorted by name
}

// Counts returns (definitions, active, deprecated, legacy-only).
func (r *Result) Counts() (defs, active, deprecated, legacy int) {
	for _, m := range r.Metrics {
		if m.Deprecated {
			deprecated++
		} else {
			active++
		}
	}
	return len(r.Metrics), active, deprecated, len(r.Legacy)
}

// yamlMetric covers both model formats: legacy "groups:" entries (type:
// metric, metric_name) and definition/2 "metrics:" entries (name).
type yamlMetric struct {
	ID          string    `yaml:"id"`
	Type        string    `yaml:"type"`
	MetricName  string    `yaml:"metric_name"`
	Name        string    `yaml:"name"`
	Unit        string    `yaml:"unit"`
	Instrument  string    `yaml:"instrument"`
	Stability   string    `yaml:"stability"`
	Brief       string    `yaml:"brief"`
	Deprecated  yaml.Node `yaml:"deprecated"`
	Annotations struct {
		CodeGeneration struct {
			MetricValueType string `yaml:"metric_value_type"`
		} `yaml:"code_generation"`
	} `yaml:"annotations"`
}

type yamlFile struct {
	Groups  []yamlMetric `yaml:"groups"`
	Metrics []yamlMetric `yaml:"metrics"`
}

type deprecation struct {
	Reason    string `yaml:"reason"`
	RenamedTo string `yaml:"renamed_to"`
	Note      string `yaml:"note"`
}

// Load reads dir (a snapshot root holding model/ and schemas/).
func Load(dir string) (*Result, error) {
	modelDir := filepath.Join(dir, "model")
	var files []string
	err := filepath.WalkDir(modelDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gen: reading model: %w", err)
	}
	sort.Strings(files)

	byName := map[string]Metric{}
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f yamlFile
		if err := yaml.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("gen: %s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		var defs []yamlMetric
		for _, g := range f.Groups {
			if g.Type == "metric" {
				if g.MetricName == "" {
					return nil, fmt.Errorf("gen: %s: metric group %q has no metric_name", rel, g.ID)
				}
				g.Name = g.MetricName
				defs = append(defs, g)
			}
		}
		defs = append(defs, f.Metrics...) // definition/2
		for _, d := range defs {
			m, err := toMetric(d, rel)
			if err != nil {
				return nil, err
			}
			if prev, dup := byName[m.Name]; dup {
				return nil, fmt.Errorf("gen: metric %q defined in %s and %s", m.Name, prev.Source, rel)
			}
			byName[m.Name] = m
		}
	}

	version, renames, err := loadSchema(filepath.Join(dir, "schemas"))
	if err != nil {
		return nil, err
	}
	res := &Result{Version: version}
	for _, m := range byName {
		res.Metrics = append(res.Metrics, m)
	}
	for old, r := range renames {
		if _, inModel := byName[old]; inModel {
			continue // the model's own entry (active or deprecated) wins
		}
		res.Legacy = append(res.Legacy, Metric{
			Name:              old,
			Deprecated:        true,
			RenamedTo:         r.to,
			DeprecationReason: "schema",
			DeprecationNote:   "renamed in schema version " + r.version,
			Source:            "schemas/" + version,
		})
	}
	sort.Slice(res.Metrics, func(i, j int) bool { return res.Metrics[i].Name < res.Metrics[j].Name })
	sort.Slice(res.Legacy, func(i, j int) bool { return res.Legacy[i].Name < res.Legacy[j].Name })
	return res, nil
}

func toMetric(d yamlMetric, rel string) (Metric, error) {
	m := Metric{
		Name:       d.Name,
		Unit:       d.Unit,
		Instrument: d.Instrument,
		ValueType:  d.Annotations.CodeGeneration.MetricValueType,
		Stability:  d.Stability,
		Brief:      strings.Join(strings.Fields(d.Brief), " "),
		Source:     rel,
	}
	if m.Name == "" {
		return m, fmt.Errorf("gen: %s: metric without a name", rel)
	}
	switch m.Instrument {
	case "counter", "updowncounter", "gauge", "histogram":
	default:
		return m, fmt.Errorf("gen: %s: %s: unknown instrument %q", rel, m.Name, m.Instrument)
	}
	switch d.Deprecated.Kind {
	case 0: // absent
	case yaml.ScalarNode: // old free-text form: "deprecated: Replaced by ..."
		m.Deprecated = true
		m.DeprecationReason = "uncategorized"
		m.DeprecationNote = strings.TrimSpace(d.Deprecated.Value)
	case yaml.MappingNode:
		var dep deprecation
		if err := d.Deprecated.Decode(&dep); err != nil {
			return m, fmt.Errorf("gen: %s: %s: deprecated: %w", rel, m.Name, err)
		}
		m.Deprecated = true
		m.DeprecationReason = dep.Reason
		m.RenamedTo = dep.RenamedTo
		m.DeprecationNote = strings.Join(strings.Fields(dep.Note), " ")
		// The model has no "moved" reason yet: metrics moved to another
		// registry (gen_ai, mcp) say so in the note of an uncategorized
		// deprecation. Rule N8 (name.moved) wants to tell them apart.
		if dep.Reason == "uncategorized" && strings.HasPrefix(m.DeprecationNote, "Moved to") {
			m.DeprecationReason = "moved"
		}
	default:
		return m, fmt.Errorf("gen: %s: %s: unexpected deprecated value", rel, m.Name)
	}
	return m, nil
}

type rename struct{ to, version string }

type schemaFile struct {
	Versions map[string]struct {
		Metrics struct {
			Changes []struct {
				RenameMetrics map[string]string `yaml:"rename_metrics"`
			} `yaml:"changes"`
		} `yaml:"metrics"`
	} `yaml:"versions"`
}

// loadSchema reads the newest schema file in dir and returns its version and,
// per old name, the LATEST rename. Applying versions in ascending order means a
// later rename overrides an earlier one (system.cpu.time -> cpu.time in 1.31,
// then cpu.time -> system.cpu.time in 1.34).
func loadSchema(dir string) (string, map[string]rename, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("gen: reading schemas: %w", err)
	}
	var versions []string
	for _, e := range ents {
		if !e.IsDir() && parseVersion(e.Name()) != nil {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return "", nil, fmt.Errorf("gen: no schema file in %s", dir)
	}
	sortVersions(versions)
	latest := versions[len(versions)-1]
	raw, err := os.ReadFile(filepath.Join(dir, latest))
	if err != nil {
		return "", nil, err
	}
	var sf schemaFile
	if err := yaml.Unmarshal(raw, &sf); err != nil {
		return "", nil, fmt.Errorf("gen: schemas/%s: %w", latest, err)
	}
	var vs []string
	for v := range sf.Versions {
		vs = append(vs, v)
	}
	sortVersions(vs)
	renames := map[string]rename{}
	for _, v := range vs {
		for _, c := range sf.Versions[v].Metrics.Changes {
			for old, nw := range c.RenameMetrics {
				renames[old] = rename{to: nw, version: v}
			}
		}
	}
	return latest, renames, nil
}

func parseVersion(s string) []int {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil
	}
	out := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out[i] = n
	}
	return out
}

func sortVersions(vs []string) {
	sort.Slice(vs, func(i, j int) bool {
		a, b := parseVersion(vs[i]), parseVersion(vs[j])
		for k := range 3 {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
}

var instrumentIdent = map[string]string{
	"counter":       "Counter",
	"updowncounter": "UpDownCounter",
	"gauge":         "Gauge",
	"histogram":     "Histogram",
	"":              "InstrumentUnknown",
}

// Render writes the gofmt'ed source of zz_generated_table.go for package registry.
func Render(r *Result) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by semanticmetricsprocessor/internal/registry/gen from semantic-conventions v%s. DO NOT EDIT.\n\n", r.Version)
	b.WriteString("package registry\n\n")
	fmt.Fprintf(&b, "// SemconvVersion is the semantic-conventions version the generated table comes from.\nconst SemconvVersion = %q\n\n", r.Version)
	defs, active, dep, legacy := r.Counts()
	fmt.Fprintf(&b, "// generatedModel holds the %d metric definitions of model/ (%d active, %d deprecated).\n", defs, active, dep)
	b.WriteString("var generatedModel = []Entry{\n")
	for _, m := range r.Metrics {
		writeEntry(&b, m)
	}
	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "// generatedLegacy holds the %d names found only in the rename lists of schemas/%s\n// (latest rename per name). Their unit and instrument are unknown.\n", legacy, r.Version)
	b.WriteString("var generatedLegacy = []Entry{\n")
	for _, m := range r.Legacy {
		writeEntry(&b, m)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func writeEntry(b *bytes.Buffer, m Metric) {
	inst, ok := instrumentIdent[m.Instrument]
	if !ok {
		inst = "InstrumentUnknown"
	}
	fmt.Fprintf(b, "\t{Name: %q, Unit: %q, Instrument: %s", m.Name, m.Unit, inst)
	if m.ValueType != "" {
		fmt.Fprintf(b, ", ValueType: %q", m.ValueType)
	}
	if m.Stability != "" {
		fmt.Fprintf(b, ", Stability: %q", m.Stability)
	}
	if m.Deprecated {
		fmt.Fprintf(b, ", Deprecated: true, DeprecationReason: %q", m.DeprecationReason)
		if m.RenamedTo != "" {
			fmt.Fprintf(b, ", RenamedTo: %q", m.RenamedTo)
		}
		if m.DeprecationNote != "" {
			fmt.Fprintf(b, ", DeprecationNote: %q", m.DeprecationNote)
		}
	}
	fmt.Fprintf(b, ", Source: %q", m.Source)
	if m.Brief != "" {
		fmt.Fprintf(b, ",\n\t\tBrief: %q", m.Brief)
	}
	b.WriteString("},\n")
}
