package gen

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A miniature snapshot with both model formats, a deprecation, a moved
// metric, and schema renames that form a cycle and a later override.
func TestLoadMiniSnapshot(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "model/a/metrics.yaml"), `
groups:
  - id: metric.a.time
    type: metric
    metric_name: a.time
    annotations:
      code_generation:
        metric_value_type: double
    stability: development
    brief: "Time\n  spent."
    instrument: counter
    unit: "s"
  - id: metric.old.time
    type: metric
    metric_name: old.time
    stability: development
    deprecated:
      reason: renamed
      renamed_to: a.time
    instrument: counter
    unit: "s"
  - id: metric.moved.x
    type: metric
    metric_name: moved.x
    stability: development
    deprecated:
      reason: uncategorized
      note: Moved to another registry.
    instrument: histogram
    unit: "s"
  - id: attrs
    type: attribute_group
    brief: not a metric
`)
	write(t, filepath.Join(dir, "model/b/metrics.yaml"), `
file_format: definition/2
metrics:
  - name: b.speed
    stability: development
    instrument: gauge
    unit: "rpm"
    annotations:
      code_generation:
        metric_value_type: int
metric_refinements:
  - id: metric.b.status
    ref: b.status
`)
	write(t, filepath.Join(dir, "schemas/1.1.0"), "versions:\n  1.1.0:\n")
	write(t, filepath.Join(dir, "schemas/1.10.0"), `
versions:
  1.10.0:
    metrics:
      changes:
        - rename_metrics:
            x.old: x.newer
            a.time: cpu.time
  1.9.0:
    metrics:
      changes:
        - rename_metrics:
            x.old: x.new
            cpu.time: a.time
`)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "1.10.0" {
		t.Errorf("version %q, want 1.10.0 (numeric, not lexical, order)", r.Version)
	}
	defs, active, dep, legacy := r.Counts()
	if defs != 4 || active != 2 || dep != 2 || legacy != 2 {
		t.Errorf("counts %d %d %d %d", defs, active, dep, legacy)
	}
	by := map[string]Metric{}
	for _, m := range append(r.Metrics, r.Legacy...) {
		by[m.Name] = m
	}
	if m := by["a.time"]; m.Deprecated || m.Brief != "Time spent." || m.ValueType != "double" || m.Source != "model/a/metrics.yaml" {
		t.Errorf("a.time = %+v (the model's active entry must win over the schema rename)", m)
	}
	if m := by["moved.x"]; m.DeprecationReason != "moved" {
		t.Errorf("moved.x reason %q", m.DeprecationReason)
	}
	if m := by["x.old"]; m.RenamedTo != "x.newer" || m.DeprecationReason != "schema" {
		t.Errorf("x.old = %+v, want the latest rename", m)
	}
	if m := by["cpu.time"]; m.RenamedTo != "a.time" {
		t.Errorf("cpu.time = %+v", m)
	}
	if _, err := Render(r); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRejectsDuplicates(t *testing.T) {
	dir := t.TempDir()
	m := "groups:\n  - id: m\n    type: metric\n    metric_name: dup\n    instrument: gauge\n    unit: \"1\"\n"
	write(t, filepath.Join(dir, "model/a.yaml"), m)
	write(t, filepath.Join(dir, "model/b.yaml"), m)
	write(t, filepath.Join(dir, "schemas/1.0.0"), "versions:\n  1.0.0:\n")
	if _, err := Load(dir); err == nil {
		t.Error("duplicate metric accepted")
	}
}
