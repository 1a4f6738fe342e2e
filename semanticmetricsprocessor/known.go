package semanticmetricsprocessor

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// checkAgainst validates instrument and unit against a known definition; when
// t.name is set the metric is being renamed and every part of the fix must be
// exact or nothing is applied.
func (a *analyzer) checkAgainst(b *builder, t target) {
	k := b.k
	renaming := t.name != ""
	if ok, lvl, msg := checkKind(t.kind, k.typ, k.mono); !ok {
		b.add(RuleInstrumentMismatch, lvl, false, "%s", msg)
		if lvl == LevelViolation && renaming {
			b.refuse()
		}
	}
	if t.unit == "" || k.unit == t.unit {
		return
	}
	src := k.unit
	if src == "" && t.nameUnit != "" {
		b.add(RuleUnitMissing, LevelImprovement, true, "empty unit, the name says %q", t.nameUnit)
		src = t.nameUnit
		b.setUnit(src)
		if src == t.unit {
			return
		}
	}
	if src == "" {
		if renaming && t.hintUnit != "" && t.hintUnit != t.unit {
			b.add(RuleUnitMissing, LevelImprovement, false, "empty unit: the deprecated metric is in %q and %s in %q; cannot tell which, no fix", t.hintUnit, t.name, t.unit)
			b.refuse()
			return
		}
		if dimensionless(t.unit) {
			b.add(RuleUnitAnnotation, LevelImprovement, true, "empty unit, expected %q: set the unit", t.unit)
		} else {
			b.add(RuleUnitMissing, LevelImprovement, true, "empty unit, expected %q: set the unit", t.unit)
		}
		b.setUnit(t.unit)
		return
	}
	if !validUnit(src) {
		w, ok := relabelUnitWord(b, src, fmt.Sprintf(" (expected %q)", t.unit))
		if !ok {
			if renaming {
				b.refuse()
			}
			return
		}
		src = w
	}
	rel, f := relateUnits(src, t.unit)
	switch rel {
	case relSame:
	case relAnnotation:
		b.add(RuleUnitAnnotation, LevelImprovement, true, "unit %q, expected %q: set the unit (metadata only)", src, t.unit)
		b.setUnit(t.unit)
	case relConvertible:
		conv := newConversion(f)
		if k.typ == pmetric.MetricTypeExponentialHistogram && !conv.isPow2 {
			b.add(RuleUnitConvertible, LevelViolation, false, "unit %q, expected %q (x%s): an exponential histogram cannot be rescaled exactly by a factor that is not a power of 2; no fix", src, t.unit, f.RatString())
			b.refuse()
			return
		}
		b.add(RuleUnitConvertible, LevelViolation, true, "unit %q, expected %q: convert values x%s", src, t.unit, f.RatString())
		b.setUnit(t.unit)
		b.plan.conv = conv
	case relIncompatible:
		b.add(RuleUnitIncompatible, LevelViolation, false, "unit %q is not convertible to the expected %q; no fix", src, t.unit)
		if renaming {
			b.refuse()
		}
	}
}

// dimensionless reports "1", "" and pure annotations such as {request}.
func dimensionless(u string) bool {
	if u == "" || u == "1" {
		return true
	}
	p, err := ucum.Parse(u)
	return err == nil && p.Dim == ucum.Dimension{} && p.Factor != nil && p.Factor.Cmp(ratOne) == 0
}
