package semanticmetricsprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadata"
)

var findingsPageID = component.MustNewIDWithName("semanticfindings", "page")

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		name     string
		expected *Config
		errMsg   string
	}{
		{name: "", expected: createDefaultConfig().(*Config)},
		{
			name: "full",
			expected: &Config{
				Mode: ActionAnnotate,
				Rules: map[string]Action{
					RuleNameFormat:         ActionOff,
					RuleUnitInvalidUCUM:    ActionNormalize,
					RuleInstrumentMismatch: ActionDrop,
				},
				CustomMetrics: []CustomMetric{
					{Name: "checkout.revenue", Unit: "USD", Type: TypeSum},
					{Name: "queue.depth", Unit: "{item}", Type: TypeUpDownCounter},
				},
				Aliases: map[string]Alias{
					"http_request_duration_seconds": {Name: "http.server.request.duration", Unit: "s"},
					"active_orders":                 {Name: "acme.orders.active"},
				},
				Ignore:             []string{"^otelcol_", `^runtime\.`},
				ReportInterval:     30 * time.Second,
				AnnotateAttributes: true,
				CacheSize:          500,
				Findings:           &findingsPageID,
			},
		},
		{name: "bad_rule", errMsg: `rules: unknown rule id "name.nonsense" (valid ids: histogram.bounds_vs_unit, instrument.mismatch, name.alias,`},
		{name: "bad_action", errMsg: `rules: name.format: unknown action "fix" (valid: warn, annotate, normalize, drop, off)`},
		{name: "bad_mode", errMsg: `mode: unknown mode "fix"`},
		{name: "bad_regex", errMsg: `ignore[0]: invalid regular expression "(unclosed"`},
		{name: "bad_alias_name", errMsg: `aliases: foo_seconds: invalid target name "Foo Seconds"`},
		{name: "bad_alias_unit", errMsg: `aliases: foo_seconds: invalid target unit "seconds"`},
		{name: "bad_custom_unit", errMsg: `custom_metrics[0] (checkout.revenue): invalid unit "dollars"`},
		{name: "bad_custom_type", errMsg: `custom_metrics[0] (checkout.revenue): unknown type "meter"`},
		{name: "negative_interval", errMsg: `report_interval: must not be negative, got -5s`},
		{name: "bad_cache", errMsg: `cache_size: must be positive, got 0`},
	}
	for _, tt := range tests {
		t.Run("config_"+tt.name, func(t *testing.T) {
			factory := NewFactory()
			cfg := factory.CreateDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.errMsg != "" {
				err := confmap.Validate(cfg)
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errMsg)
				return
			}
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestRuleIDsDocumented(t *testing.T) {
	for _, id := range RuleIDs() {
		assert.Contains(t, readme(t), "`"+id+"`", "rule %s missing from README.md", id)
	}
}
