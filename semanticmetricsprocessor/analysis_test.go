package semanticmetricsprocessor

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// ---- tests ----

// TestSeedRules checks the findings for the names and units found in the seed documents.
func TestSeedRules(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Mode = ActionNormalize
	cfg.Rules = map[string]Action{RuleNameMissingNamespace: ActionWarn}
	cfg.Aliases = map[string]Alias{"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"}}
	cfg.CustomMetrics = []CustomMetric{{Name: "checkout.revenue", Unit: "USD", Type: TypeSum}}
	a, err := newAnalyzer(cfg)
	require.NoError(t, err)

	tests := []struct {
		name, unit string
		typ        pmetric.MetricType
		mono       bool
		want       []string // "rule" or "rule+fix"
		rename     string
		newUnit    string
		factor     string
	}{
		// Obtrace canonical names: known and valid as they are.
		{name: "http_requests_total", unit: "1", typ: S, mono: true},
		{name: "latency_p95", unit: "ms", typ: G},
		{name: "runtime.cpu.utilization", unit: "%", typ: G},
		// Custom metrics.
		{name: "checkout.revenue", unit: "USD", typ: S, mono: true},
		{name: "checkout.revenue", unit: "EUR", typ: S, mono: true, want: []string{RuleUnitIncompatible}},
		{name: "checkout.revenue", unit: "USD", typ: G, want: []string{RuleInstrumentMismatch}},
		// Prometheus style through the alias table.
		{name: "http_request_duration_seconds", unit: "s", typ: H, want: []string{RuleNamePrometheusStyle + "+fix"}, rename: "http.server.request.duration"},
		{name: "http_request_duration_seconds", unit: "", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitMissing + "+fix"}, rename: "http.server.request.duration", newUnit: "s"},
		{name: "http_request_duration_seconds", unit: "ms", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitConvertible + "+fix"}, rename: "http.server.request.duration", newUnit: "s", factor: "1/1000"},
		{name: "http_request_duration_seconds", unit: "s", typ: SU, want: []string{RuleNamePrometheusStyle, RuleInstrumentMismatch}},
		// Prometheus style through the registry reverse index.
		{name: "http_server_request_duration_seconds", unit: "", typ: H, want: []string{RuleNamePrometheusStyle + "+fix", RuleUnitMissing + "+fix"}, rename: "http.server.request.duration", newUnit: "s"},
		// Deprecated: validated against the rename target.
		{name: "http.server.duration", unit: "ms", typ: H, want: []string{RuleNameDeprecated + "+fix", RuleUnitConvertible + "+fix"}, rename: "http.server.request.duration", newUnit: "s", factor: "1/1000"},
		{name: "http.server.duration", unit: "s", typ: H, want: []string{RuleNameDeprecated + "+fix"}, rename: "http.server.request.duration"},
		{name: "http.server.duration", unit: "", typ: H, want: []string{RuleNameDeprecated, RuleUnitMissing}},
		{name: "http.server.duration", unit: "ms", typ: EH, want: []string{RuleNameDeprecated, RuleUnitConvertible}},
		{name: "http.server.duration", unit: "ms", typ: SU, want: []string{RuleNameDeprecated, RuleInstrumentMismatch, RuleUnitConvertible}},
		{name: "messaging.publish.duration", unit: "s", typ: H, want: []string{RuleNameDeprecated}},
		// Cycle in the schema rename chain: system.cpu.time is active.
		{name: "system.cpu.time", unit: "s", typ: S, mono: true},
		// Known metrics.
		{name: "http.server.request.duration", unit: "s", typ: H},
		{name: "http.server.request.duration", unit: "s", typ: EH},
		{name: "http.server.request.duration", unit: "ms", typ: H, want: []string{RuleUnitConvertible + "+fix"}, newUnit: "s", factor: "1/1000"},
		{name: "http.server.request.duration", unit: "milliseconds", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix", RuleUnitConvertible + "+fix"}, newUnit: "s", factor: "1/1000"},
		{name: "http.server.request.duration", unit: "By", typ: H, want: []string{RuleUnitIncompatible}},
		{name: "http.server.request.duration", unit: "s", typ: SU, want: []string{RuleInstrumentMismatch}},
		{name: "http.server.active_requests", unit: "{requests}", typ: S, want: []string{RuleUnitAnnotation + "+fix"}, newUnit: "{request}"},
		{name: "http.server.active_requests", unit: "", typ: S, want: []string{RuleUnitAnnotation + "+fix"}, newUnit: "{request}"},
		{name: "jvm.thread.count", unit: "{thread}", typ: G, want: []string{RuleInstrumentMismatch}},
		{name: "system.memory.usage", unit: "s", typ: S, want: []string{RuleUnitIncompatible}},
		// Unknown names from the seeds.
		{name: "dice.rolls", unit: "", typ: S, mono: true},
		{name: "db.connections.active", unit: "1", typ: S},
		{name: "system_cpu_percent", unit: "%", typ: G, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "system_memory_bytes", unit: "By", typ: G, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "orders_created_total", unit: "1", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleNameTotalSuffix}},
		{name: "order_value_dollars", unit: "USD", typ: H, want: []string{RuleNameMissingNamespace, RuleNameUnitSuffix}},
		{name: "arms_python_process_runtime_cpython_context_switches", unit: "switches", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleUnitInvalidUCUM + "+fix"}, newUnit: "{switch}"},
		{name: "process.runtime.cpython.context_switches", unit: "switches", typ: S, mono: true, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "{switch}"},
		{name: "acme.request.latency", unit: "milliseconds", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "ms"},
		{name: "acme.payload", unit: "bytes", typ: H, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "By"},
		{name: "acme.load", unit: "percent", typ: G, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "%"},
		{name: "acme.uptime", unit: "seconds", typ: G, want: []string{RuleUnitInvalidUCUM + "+fix"}, newUnit: "s"},
		{name: "acme.size", unit: "KB", typ: G, want: []string{RuleUnitInvalidUCUM}},
		// Lint rules.
		{name: "2xx responses", unit: "1", typ: S, mono: true, want: []string{RuleNameSyntax}},
		{name: "MyApp.RequestCount", unit: "1", typ: S, mono: true, want: []string{RuleNameFormat}},
		{name: "acme.jobs_total", unit: "{job}", typ: S, mono: true, want: []string{RuleNameTotalSuffix}},
		{name: "acme.queue_total", unit: "{job}", typ: S, mono: false, want: []string{RuleNameTotalSuffix}},
		{name: "acme.query.duration_ms", unit: "ms", typ: H, want: []string{RuleNameUnitSuffix}},
		{name: "acme.latency_seconds", unit: "ms", typ: H, want: []string{RuleNameUnitSuffix, RuleUnitNameContradict}},
		{name: "process_cpu_seconds_total", unit: "", typ: S, mono: true, want: []string{RuleNameMissingNamespace, RuleNameTotalSuffix, RuleNameUnitSuffix, RuleUnitMissing + "+fix"}, newUnit: "s"},
		{name: "acme.cpu.utilization", unit: "%", typ: G, want: []string{RuleUnitUtilization + "+fix"}, newUnit: "1", factor: "1/100"},
		{name: "acme.cpu.utilization", unit: "%", typ: EH, want: []string{RuleUnitUtilization}},
		{name: "acme.packets", unit: "1{packet}", typ: S, mono: true, want: []string{RuleUnitLeadingOne + "+fix"}, newUnit: "{packet}"},
		{name: "acme.switches", unit: "{switches}", typ: S, mono: true, want: []string{RuleUnitAnnotationPlural + "+fix"}, newUnit: "{switch}"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.unit+"/"+tt.typ.String(), func(t *testing.T) {
			v := a.analyze(cacheKey{name: tt.name, unit: tt.unit, typ: tt.typ, mono: tt.mono})
			var got []string
			for _, f := range v.findings {
				if f.fix {
					got = append(got, f.rule+"+fix")
				} else {
					got = append(got, f.rule)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			assert.Equal(t, want, got)
			if tt.rename == "" && tt.newUnit == "" {
				assert.Nil(t, v.plan)
				return
			}
			require.NotNil(t, v.plan)
			assert.Equal(t, tt.rename, v.plan.rename)
			if tt.newUnit != "" {
				assert.True(t, v.plan.setUnit)
				assert.Equal(t, tt.newUnit, v.plan.unit)
			}
			if tt.factor == "" {
				assert.Nil(t, v.plan.conv)
			} else {
				require.NotNil(t, v.plan.conv)
				assert.Equal(t, tt.factor, v.plan.conv.rat.RatString())
			}
		})
	}
}

func TestLevels(t *testing.T) {
	a, err := newAnalyzer(&Config{Mode: ActionWarn})
	require.NoError(t, err)
	level := func(name, unit string, typ pmetric.MetricType, mono bool, rule string) Level {
		for _, f := range a.analyze(cacheKey{name, unit, typ, mono}).findings {
			if f.rule == rule {
				return f.level
			}
		}
		t.Fatalf("%s: no %s finding", name, rule)
		return 0
	}
	assert.Equal(t, LevelInformation, level("jvm.thread.count", "{thread}", pmetric.MetricTypeGauge, false, RuleInstrumentMismatch))
	assert.Equal(t, LevelViolation, level("http.server.request.duration", "s", pmetric.MetricTypeSummary, false, RuleInstrumentMismatch))
	assert.Equal(t, LevelImprovement, level("acme.jobs_total", "{job}", pmetric.MetricTypeSum, true, RuleNameTotalSuffix))
	assert.Equal(t, LevelViolation, level("acme.jobs_total", "{job}", pmetric.MetricTypeSum, false, RuleNameTotalSuffix))
	assert.Equal(t, LevelViolation, level("acme.jobs_total", "{job}", pmetric.MetricTypeGauge, false, RuleNameTotalSuffix))
}
