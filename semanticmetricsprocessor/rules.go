package semanticmetricsprocessor

import "slices"

// Level is the severity of a finding, following OpenTelemetry Weaver's levels.
type Level uint8

// The levels, most severe first.
const (
	LevelViolation Level = iota
	LevelImprovement
	LevelInformation
)

func (l Level) String() string {
	switch l {
	case LevelViolation:
		return "violation"
	case LevelImprovement:
		return "improvement"
	}
	return "information"
}

// Rule ids. They are stable: configuration (rules:), logs, self-telemetry and
// the semconv.violations annotation use them.
const (
	RuleNameSyntax           = "name.syntax"
	RuleNameFormat           = "name.format"
	RuleNameMissingNamespace = "name.missing_namespace"
	RuleNamePrometheusStyle  = "name.prometheus_style"
	RuleNameAlias            = "name.alias"
	RuleNameUnitSuffix       = "name.unit_suffix"
	RuleNameTotalSuffix      = "name.total_suffix"
	RuleNameDeprecated       = "name.deprecated"
	RuleNameMoved            = "name.moved"
	RuleNameSquatsNamespace  = "name.squats_namespace"
	RuleNameTooLong          = "name.too_long"

	RuleUnitConvertible      = "unit.mismatch.convertible"
	RuleUnitAnnotation       = "unit.mismatch.annotation"
	RuleUnitIncompatible     = "unit.mismatch.incompatible"
	RuleUnitInvalidUCUM      = "unit.invalid_ucum"
	RuleUnitAnnotationPlural = "unit.annotation_plural"
	RuleUnitLeadingOne       = "unit.leading_one"
	RuleUnitNonBase          = "unit.non_base"
	RuleUnitUtilization      = "unit.utilization"
	RuleUnitNameContradict   = "unit.name_contradiction"
	RuleUnitMissing          = "unit.missing"
	RuleUnitTooLong          = "unit.too_long"

	RuleInstrumentMismatch = "instrument.mismatch"

	RuleHistogramBoundsVsUnit = "histogram.bounds_vs_unit"
	RuleValueUtilizationRange = "value.utilization_range"
)

// rulesOffByDefault are off unless configured under rules: (N3 and U6 would
// flag every Prometheus-era name or unknown metric in a valid unit).
var rulesOffByDefault = []string{RuleNameMissingNamespace, RuleUnitNonBase}

// ruleIDs lists every rule id; the README documents each (TestRuleIDsDocumented).
var ruleIDs = []string{
	RuleNameSyntax, RuleNameFormat, RuleNameMissingNamespace, RuleNamePrometheusStyle, RuleNameAlias,
	RuleNameUnitSuffix, RuleNameTotalSuffix, RuleNameDeprecated, RuleNameMoved, RuleNameSquatsNamespace, RuleNameTooLong,
	RuleUnitConvertible, RuleUnitAnnotation, RuleUnitIncompatible, RuleUnitInvalidUCUM, RuleUnitAnnotationPlural,
	RuleUnitLeadingOne, RuleUnitNonBase, RuleUnitUtilization, RuleUnitNameContradict, RuleUnitMissing, RuleUnitTooLong,
	RuleInstrumentMismatch, RuleHistogramBoundsVsUnit, RuleValueUtilizationRange,
}

func isRuleID(id string) bool { return slices.Contains(ruleIDs, id) }

// RuleIDs returns every rule id, sorted.
func RuleIDs() []string { return slices.Sorted(slices.Values(ruleIDs)) }
