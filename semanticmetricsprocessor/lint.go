package semanticmetricsprocessor

import (
	"math/big"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// lintUnknown runs the lint rules that apply only to names nobody knows. The
// unit goes first: the later rules compare with its UCUM form.
func (a *analyzer) lintUnknown(b *builder) {
	unit, unitOK := b.k.unit, true
	if unit != "" && !validUnit(unit) {
		unit, unitOK = relabelUnitWord(b, unit, "")
	}
	if syntaxOK(b.k.name) {
		lintName(b, unit, unitOK)
	} else {
		b.add(RuleNameSyntax, LevelViolation, false, "name breaks the OpenTelemetry API syntax %s; cannot be fixed safely", syntaxPattern)
	}
	if unit != "" && unitOK {
		a.lintUnit(b, unit)
	}
}

// lintName is N2, N3, N5, N6 (with U8 and U9 for a unit word in the name)
// and N9 on a syntactically valid unknown name; unit is its UCUM form when
// unitOK.
func lintName(b *builder, unit string, unitOK bool) {
	k := b.k
	name := k.name
	if !formatOK(name) {
		if s := suggestFormat(name); s != "" && formatOK(s) {
			b.add(RuleNameFormat, LevelViolation, false, "name breaks the semconv format %s: suggested %s", formatPattern, s)
		} else {
			b.add(RuleNameFormat, LevelViolation, false, "name breaks the semconv format %s", formatPattern)
		}
	}
	if !strings.Contains(name, ".") {
		b.add(RuleNameMissingNamespace, LevelImprovement, false, "name has no namespace: use a reverse-domain or application prefix, e.g. acme.%s", name)
	}
	// A Prometheus-form name (underscores only, no semconv counterpart:
	// process_cpu_seconds_total, go_memstats_alloc_bytes_total) follows the
	// Prometheus conventions, which require _total on counters and the unit
	// in the name: N5 and N6 are information there, not improvements.
	promForm := isUnderscoreOnly(name)
	base, hasTotal := totalSuffix(name)
	if hasTotal {
		switch {
		case k.typ == pmetric.MetricTypeGauge || (k.typ == pmetric.MetricTypeSum && !k.mono):
			b.add(RuleNameTotalSuffix, LevelViolation, false, "total suffix on %s contradicts the data: suggested %s", describeType(k.typ, k.mono), base)
		case promForm:
			b.add(RuleNameTotalSuffix, LevelInformation, false, "Prometheus-form name: the Prometheus conventions require _total on a counter (semconv would say %s); accepted", base)
		default:
			b.add(RuleNameTotalSuffix, LevelImprovement, false, "do not use total in names: suggested %s", base)
		}
	}
	if word, stripped, wu, ok := unitSuffix(base); ok {
		if promForm {
			b.add(RuleNameUnitSuffix, LevelInformation, false, "Prometheus-form name: the Prometheus conventions put the unit in the name (%q; semconv would say %s with unit %q); accepted", word, stripped, wu)
		} else {
			b.add(RuleNameUnitSuffix, LevelImprovement, false, "the name ends in the unit word %q: suggested %s with unit %q", word, stripped, wu)
		}
		switch {
		case k.unit == "":
			b.add(RuleUnitMissing, LevelImprovement, true, "empty unit, the name says %q: set the unit", wu)
			b.setUnit(wu)
		case unitOK && !isCurrency(wu) && validUnit(wu):
			if rel, _ := relateUnits(unit, wu); rel == relConvertible || rel == relIncompatible {
				b.add(RuleUnitNameContradict, LevelViolation, false, "the name says %q (%s) but the unit is %q; no fix", word, wu, unit)
			}
		case unitOK && isCurrency(wu) && isCurrency(unit) && wu != unit:
			b.add(RuleUnitNameContradict, LevelViolation, false, "the name says %q (%s) but the unit is %q; no fix", word, wu, unit)
		}
	}
	if unitOK {
		if s, ok := similarRegistryMetric(name, unit, k.typ, k.mono); ok {
			b.add(RuleNameSquatsNamespace, LevelImprovement, false, "unknown name inside the semconv namespace %s: did you mean %s? Suggestion only (not renamed)", name[:strings.IndexByte(name, '.')], s)
		}
	}
}

// lintUnit is U7, U5 and U6 on the valid, non-empty unit of an unknown name.
func (a *analyzer) lintUnit(b *builder, unit string) {
	if isUtilization(b.k.name) && unit == "%" {
		if b.k.typ == pmetric.MetricTypeExponentialHistogram {
			b.add(RuleUnitUtilization, LevelImprovement, false, "utilization uses unit \"1\", not %%: an exponential histogram cannot be divided by 100 exactly; no fix")
			b.refuse()
		} else {
			b.add(RuleUnitUtilization, LevelImprovement, true, "utilization uses unit \"1\", not %%: convert values x1/100")
			b.setUnit("1")
			b.plan.conv = newConversion(big.NewRat(1, 100))
		}
		return
	}
	if rule, fixed, ok := curlyFix(unit); rule != "" {
		if ok {
			b.add(rule, LevelImprovement, true, "unit %q: use %q", unit, fixed)
			b.setUnit(fixed)
		} else {
			b.add(rule, LevelImprovement, false, "unit %q: curly annotations are singular", unit)
		}
	}
	a.checkNonBase(b, unit)
}

// nonBaseUnits maps prefixed or non-base time and byte units to their base
// unit (U6). bit and its multiples are left alone: By is not "the" base of bit.
var nonBaseUnits = map[string]string{
	"ns": "s", "us": "s", "ms": "s", "min": "s", "h": "s", "d": "s",
	"kBy": "By", "MBy": "By", "GBy": "By", "TBy": "By",
	"KiBy": "By", "MiBy": "By", "GiBy": "By", "TiBy": "By",
}

// checkNonBase is U6: an unknown metric in a non-base unit. The rule is off
// unless configured: an unknown metric with a valid unit passes untouched by
// default. The fix (conversion to the base unit with the same exact conversion
// as unit.mismatch.convertible) is planned only when the rule is set to
// normalize, and never when the name carries a unit word (converting
// acme.query.duration_ms to s would make the name lie) or when an
// exponential histogram cannot be rescaled exactly.
func (a *analyzer) checkNonBase(b *builder, unit string) {
	base, ok := nonBaseUnits[unit]
	if !ok {
		return
	}
	act := a.actionFor(RuleUnitNonBase, LevelImprovement)
	if act == ActionOff {
		return
	}
	rel, f := relateUnits(unit, base)
	if rel != relConvertible {
		return
	}
	stripped, _ := totalSuffix(b.k.name)
	conv := newConversion(f)
	switch {
	case act != ActionNormalize:
		b.add(RuleUnitNonBase, LevelImprovement, false, "unit %q is not the base unit: use %q (values x%s)", unit, base, f.RatString())
	case hasUnitWord(stripped):
		b.add(RuleUnitNonBase, LevelImprovement, false, "unit %q is not the base unit %q, but the name carries a unit word: rename first; no fix", unit, base)
	case b.k.typ == pmetric.MetricTypeExponentialHistogram && !conv.isPow2:
		b.add(RuleUnitNonBase, LevelImprovement, false, "unit %q is not the base unit %q (x%s): an exponential histogram cannot be rescaled exactly by a factor that is not a power of 2; no fix", unit, base, f.RatString())
	default:
		b.add(RuleUnitNonBase, LevelImprovement, true, "unit %q is not the base unit: convert values x%s to %q", unit, f.RatString(), base)
		b.setUnit(base)
		b.plan.conv = conv
	}
}

func isUtilization(name string) bool {
	return strings.HasSuffix(name, ".utilization") || strings.HasSuffix(name, "_utilization")
}
