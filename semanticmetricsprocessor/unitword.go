package semanticmetricsprocessor

import (
	"strings"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// relabelUnitWord is U4 on a unit that is not UCUM: a unit word that the
// name does not contradict is relabelled (milliseconds: ms). It returns the
// unit the later rules compare with; ok is false when there is no safe
// replacement. expected ends the message of a finding without a fix.
func relabelUnitWord(b *builder, unit, expected string) (string, bool) {
	w, ok := ucum.FromWord(unit)
	switch {
	case ok && nameContradictsUnit(b.k.name, w):
		b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM; it would read %q, but the name counts events (a count is not in %s); no fix%s", unit, w, w, expected)
		return unit, false
	case !ok:
		b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM and has no safe replacement%s", unit, expected)
		return unit, false
	}
	b.add(RuleUnitInvalidUCUM, LevelViolation, true, "unit %q is not UCUM: use %q", unit, w)
	b.setUnit(w)
	return w, true
}

// countWords end names that count events or objects: a unit word that
// names a dimension (bytes, seconds) contradicts them (runtime.cpython.gc_count
// in "bytes" is a count of collections, not a size).
var countWords = map[string]bool{
	"count": true, "counts": true, "collections": true, "calls": true, "errors": true,
	"events": true, "requests": true, "objects": true, "operations": true,
}

// nameContradictsUnit reports whether name counts events while ucumUnit has
// a dimension, so relabelling a unit word to ucumUnit would cement a wrong
// unit. A _total name (of events) counts too, unless its last word is a unit
// word (network_bytes_total is in bytes).
func nameContradictsUnit(name, ucumUnit string) bool {
	if dimensionless(ucumUnit) {
		return false
	}
	base, hasTotal := totalSuffix(name)
	if hasUnitWord(base) {
		return false
	}
	last := base[strings.LastIndexAny(base, "._")+1:]
	return countWords[strings.ToLower(last)] || hasTotal
}

// hasUnitWord reports a unit word as the last word of name (unitSuffix).
func hasUnitWord(name string) bool {
	_, _, _, ok := unitSuffix(name)
	return ok
}
