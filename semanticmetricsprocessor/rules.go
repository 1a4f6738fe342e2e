package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import "sort"

// Level is the severity of a finding, following OpenTelemetry Weaver's levels.
type Level uint8

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

// ruleDef documents one rule. level is the usual level; a few rules report a
// different level depending on the case (see the README).
type ruleDef struct {
	id         string
	level      Level
	defaultOff bool // the rule is off unless configured under rules:
	summary    string
}

var ruleDefs = []ruleDef{
	{RuleNameSyntax, LevelViolation, false, "N1: name breaks the OpenTelemetry API syntax"},
	{RuleNameFormat, LevelViolation, false, "N2: name breaks the semconv format (lowercase, '.' and '_', no doubled or trailing delimiter)"},
	{RuleNameMissingNamespace, LevelImprovement, true, "N3: unknown name without a '.' namespace"},
	{RuleNamePrometheusStyle, LevelViolation, false, "N4: Prometheus-style name that resolves to a known metric"},
	{RuleNameAlias, LevelViolation, false, "configured alias (not underscore-only) renames the metric"},
	{RuleNameUnitSuffix, LevelImprovement, false, "N5: unknown name ends in a unit word (information on a Prometheus-form name)"},
	{RuleNameTotalSuffix, LevelImprovement, false, "N6: unknown name ends in total (violation on non-monotonic data; information on a Prometheus-form counter)"},
	{RuleNameDeprecated, LevelViolation, false, "N7: deprecated or renamed metric, its Prometheus spelling, or a deprecated runtime family; the legacy copy of a /dup migration is dropped in normalize"},
	{RuleNameMoved, LevelInformation, false, "N8: deprecated as moved to another registry"},
	{RuleNameSquatsNamespace, LevelImprovement, false, "N9: unknown name inside a semconv namespace close to a registry metric (suggestion only)"},
	{RuleNameTooLong, LevelViolation, false, "name longer than 255 bytes (the OpenTelemetry API limit): not analysed by any other rule; never fixed"},
	{RuleUnitConvertible, LevelViolation, false, "U1: unit differs from the registry, same dimension"},
	{RuleUnitAnnotation, LevelImprovement, false, "U2: dimensionless unit differs only by annotation"},
	{RuleUnitIncompatible, LevelViolation, false, "U3: unit of a different dimension than the registry"},
	{RuleUnitInvalidUCUM, LevelViolation, false, "U4: unknown metric with a non-UCUM unit"},
	{RuleUnitAnnotationPlural, LevelImprovement, false, "U5: plural curly annotation"},
	{RuleUnitLeadingOne, LevelImprovement, false, "U5: annotation with a leading 1"},
	{RuleUnitNonBase, LevelImprovement, true, "U6: unknown metric in a prefixed or non-base time or byte unit (off unless configured; converted only when set to normalize)"},
	{RuleUnitUtilization, LevelImprovement, false, "U7: utilization in % instead of 1"},
	{RuleUnitNameContradict, LevelViolation, false, "U8: unit word in the name contradicts the unit"},
	{RuleUnitMissing, LevelImprovement, false, "U9: empty unit where the unit is known"},
	{RuleUnitTooLong, LevelViolation, false, "unit longer than 255 bytes: not parsed or analysed by any other rule; never fixed"},
	{RuleInstrumentMismatch, LevelViolation, false, "I1: instrument kind differs from the registry (information for an updowncounter received as gauge)"},
	{RuleHistogramBoundsVsUnit, LevelImprovement, false, "H1: histogram in s whose values look like ms, or seconds in the SDK default ms bucket layout; checked per batch, never fixed"},
	{RuleValueUtilizationRange, LevelInformation, false, "V1: utilization in unit 1 with values above 1.5 (looks like percent); checked per batch, never fixed"},
}

var ruleByID = func() map[string]ruleDef {
	m := make(map[string]ruleDef, len(ruleDefs))
	for _, r := range ruleDefs {
		m[r.id] = r
	}
	return m
}()

// RuleIDs returns every rule id, sorted.
func RuleIDs() []string {
	ids := make([]string, 0, len(ruleDefs))
	for _, r := range ruleDefs {
		ids = append(ids, r.id)
	}
	sort.Strings(ids)
	return ids
}
