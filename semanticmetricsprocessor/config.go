package semanticmetricsprocessor

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
)

// Action is what the processor does with a finding.
type Action string

// The actions, from doing nothing to dropping the metric.
const (
	ActionOff       Action = "off" // only valid under rules:
	ActionWarn      Action = "warn"
	ActionAnnotate  Action = "annotate"
	ActionNormalize Action = "normalize"
	ActionDrop      Action = "drop"
)

func (a Action) validMode() bool {
	switch a {
	case ActionWarn, ActionAnnotate, ActionNormalize, ActionDrop:
		return true
	}
	return false
}

// MetricType is the instrument type of a custom metric.
type MetricType string

// Custom metric types. "histogram" accepts explicit and exponential
// histograms; "sum" accepts monotonic and non-monotonic sums.
const (
	TypeCounter              MetricType = "counter"
	TypeUpDownCounter        MetricType = "updowncounter"
	TypeSum                  MetricType = "sum"
	TypeGauge                MetricType = "gauge"
	TypeHistogram            MetricType = "histogram"
	TypeExponentialHistogram MetricType = "exponential_histogram"
	TypeSummary              MetricType = "summary"
)

var validTypes = []MetricType{TypeCounter, TypeUpDownCounter, TypeSum, TypeGauge, TypeHistogram, TypeExponentialHistogram, TypeSummary}

// CustomMetric declares one of the organisation's own canonical metrics. It
// is known (never linted for naming); data is checked against its unit and type.
type CustomMetric struct {
	Name string `mapstructure:"name"`
	// Unit is the UCUM unit (or ISO 4217 currency code). Empty: the unit is not checked.
	Unit string `mapstructure:"unit"`
	// Type is one of counter, updowncounter, sum, gauge, histogram,
	// exponential_histogram, summary. Empty: the type is not checked.
	Type MetricType `mapstructure:"type"`
	_    struct{}
}

// Alias is an explicit rename of a metric, optionally with its unit.
type Alias struct {
	Name string `mapstructure:"name"`
	// Unit is the target unit. Empty: the registry unit of the target, or the
	// incoming unit when the target is not in the registry.
	Unit string `mapstructure:"unit"`
	_    struct{}
}

// Config is the configuration of the semanticmetrics processor.
type Config struct {
	// Mode is the default action for every finding: warn, annotate, normalize or drop.
	Mode Action `mapstructure:"mode"`
	// Rules overrides the action per rule id (warn, annotate, normalize, drop or off).
	Rules map[string]Action `mapstructure:"rules"`
	// CustomMetrics are the organisation's own known metrics.
	CustomMetrics []CustomMetric `mapstructure:"custom_metrics"`
	// Aliases maps an incoming metric name to the name (and unit) it should have.
	Aliases map[string]Alias `mapstructure:"aliases"`
	// Ignore lists regular expressions; matching metric names are exempt from every rule.
	Ignore []string `mapstructure:"ignore"`
	// ReportInterval is the period of the summary log of top findings per
	// service.name. 0 disables the summary.
	ReportInterval time.Duration `mapstructure:"report_interval"`
	// AnnotateAttributes also writes semconv.violations to data-point
	// attributes (this creates new series). Off by default.
	AnnotateAttributes bool `mapstructure:"annotate_attributes"`
	// CacheSize bounds the number of cached verdicts (name, unit, type, monotonic).
	CacheSize int `mapstructure:"cache_size"`
	// Findings names a semanticfindings extension (e.g. semanticfindings) that
	// serves every finding as a web page and JSON. Unset: findings are only
	// logged, summarised and counted.
	Findings *component.ID `mapstructure:"findings"`
	_        struct{}
}

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if !cfg.Mode.validMode() {
		errs = append(errs, fmt.Errorf("mode: unknown mode %q (valid: warn, annotate, normalize, drop)", cfg.Mode))
	}
	for id, act := range cfg.Rules {
		if !isRuleID(id) {
			errs = append(errs, fmt.Errorf("rules: unknown rule id %q (valid ids: %s)", id, strings.Join(RuleIDs(), ", ")))
			continue
		}
		if act != ActionOff && !act.validMode() {
			errs = append(errs, fmt.Errorf("rules: %s: unknown action %q (valid: warn, annotate, normalize, drop, off)", id, act))
		}
	}
	for i, re := range cfg.Ignore {
		if _, err := regexp.Compile(re); err != nil {
			errs = append(errs, fmt.Errorf("ignore[%d]: invalid regular expression %q: %w", i, re, err))
		}
	}
	seen := map[string]bool{}
	for i, cm := range cfg.CustomMetrics {
		switch {
		case cm.Name == "":
			errs = append(errs, fmt.Errorf("custom_metrics[%d]: name must not be empty", i))
		case !syntaxOK(cm.Name):
			errs = append(errs, fmt.Errorf("custom_metrics[%d]: invalid metric name %q", i, cm.Name))
		case seen[cm.Name]:
			errs = append(errs, fmt.Errorf("custom_metrics[%d]: duplicate name %q", i, cm.Name))
		}
		seen[cm.Name] = true
		if cm.Unit != "" && !validUnit(cm.Unit) {
			errs = append(errs, fmt.Errorf("custom_metrics[%d] (%s): invalid unit %q: not UCUM or an ISO 4217 currency code", i, cm.Name, cm.Unit))
		}
		if cm.Type != "" && kindOfType(cm.Type) == kindAny {
			errs = append(errs, fmt.Errorf("custom_metrics[%d] (%s): unknown type %q (valid: %v)", i, cm.Name, cm.Type, validTypes))
		}
	}
	for from, al := range cfg.Aliases {
		if from == "" {
			errs = append(errs, errors.New("aliases: empty source name"))
		}
		if al.Name == "" {
			errs = append(errs, fmt.Errorf("aliases: %s: target name must not be empty", from))
		} else if !validTargetName(al.Name, seen) {
			errs = append(errs, fmt.Errorf("aliases: %s: invalid target name %q: must match %s or be a known metric", from, al.Name, formatPattern))
		}
		if al.Unit != "" && !validUnit(al.Unit) {
			errs = append(errs, fmt.Errorf("aliases: %s: invalid target unit %q: not UCUM or an ISO 4217 currency code", from, al.Unit))
		}
		if al.Name == from {
			errs = append(errs, fmt.Errorf("aliases: %s: alias to itself", from))
		}
	}
	if cfg.ReportInterval < 0 {
		errs = append(errs, fmt.Errorf("report_interval: must not be negative, got %s", cfg.ReportInterval))
	}
	if cfg.CacheSize <= 0 {
		errs = append(errs, fmt.Errorf("cache_size: must be positive, got %d", cfg.CacheSize))
	}
	return errors.Join(errs...)
}

func validTargetName(name string, custom map[string]bool) bool {
	if custom[name] || formatOK(name) {
		return true
	}
	_, ok := registry.Lookup(name)
	return ok
}
