package semanticmetricsprocessor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
)

// target is the definition a known metric is checked against (known.go).
type target struct {
	name string // rename target, "" for none
	unit string // expected unit, "" when unchecked
	kind kind
	// hintUnit is the unit of a deprecated source entry, used when the data has no unit.
	hintUnit string
	// nameUnit is the unit that a Prometheus-style name's suffix states
	// (http_server_duration_milliseconds: ms), the data's unit when it has none.
	nameUnit string
}

// builder collects the findings and the plan of one cacheKey for finish.
type builder struct {
	k        cacheKey
	findings []finding
	plan     plan
	hasPlan  bool // some finding is fixed by plan
	refused  bool // part of the fix is not exact: plan is never applied
}

// add records a finding; fix means plan resolves it.
func (b *builder) add(rule string, lvl Level, fix bool, format string, args ...any) {
	b.findings = append(b.findings, finding{rule: rule, level: lvl, fix: fix, fixable: fix, msg: fmt.Sprintf(format, args...)})
	if fix {
		b.hasPlan = true
	}
}

func (b *builder) setUnit(u string) {
	b.plan.unit, b.plan.setUnit, b.hasPlan = u, true, true
}

func (b *builder) refuse() { b.refused = true }

// analyzer computes verdicts. It is immutable after construction.
type analyzer struct {
	mode    Action
	rules   map[string]Action
	custom  map[string]CustomMetric
	aliases map[string]Alias
	ignore  []*regexp.Regexp
	// oversized holds the verdicts of names and units past their bound,
	// indexed by 1 (name) | 2 (unit); they depend on the configuration only.
	oversized [4]*verdict
}

func newAnalyzer(cfg *Config) (*analyzer, error) {
	a := &analyzer{
		mode:    cfg.Mode,
		rules:   cfg.Rules,
		custom:  map[string]CustomMetric{},
		aliases: cfg.Aliases,
	}
	for _, cm := range cfg.CustomMetrics {
		a.custom[cm.Name] = cm
	}
	for _, s := range cfg.Ignore {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("ignore: invalid regular expression %q: %w", s, err)
		}
		a.ignore = append(a.ignore, re)
	}
	for i := 1; i < len(a.oversized); i++ {
		b := &builder{}
		if i&1 != 0 {
			b.add(RuleNameTooLong, LevelViolation, false, "name longer than %d bytes: not analysed; no fix", maxNameBytes)
		}
		if i&2 != 0 {
			b.add(RuleUnitTooLong, LevelViolation, false, "unit longer than %d bytes: not parsed or analysed; no fix", maxUnitBytes)
		}
		a.oversized[i] = a.finish(b)
	}
	return a, nil
}

// oversizedVerdict returns the verdict of a name or unit past its bound; ok
// is false when both are within. It looks at lengths only, so a hostile
// string is never parsed, matched, cached or copied.
func (a *analyzer) oversizedVerdict(k cacheKey) (v *verdict, ok bool) {
	i := 0
	if len(k.name) > maxNameBytes {
		i |= 1
	}
	if len(k.unit) > maxUnitBytes {
		i |= 2
	}
	return a.oversized[i], i != 0
}

// actionFor returns the effective action of a finding. Information-level
// findings never drop unless the rule is explicitly configured to.
func (a *analyzer) actionFor(rule string, lvl Level) Action {
	act, explicit := a.rules[rule]
	if !explicit {
		if slices.Contains(rulesOffByDefault, rule) {
			return ActionOff
		}
		act = a.mode
	}
	if lvl == LevelInformation && !explicit && act == ActionDrop {
		return ActionWarn
	}
	return act
}

// analyze runs every rule on k. A name or unit past its bound gets only its
// too_long finding (even when ignored).
func (a *analyzer) analyze(k cacheKey) *verdict {
	if v, ok := a.oversizedVerdict(k); ok {
		return v
	}
	for _, re := range a.ignore {
		if re.MatchString(k.name) {
			return okVerdict
		}
	}
	b := &builder{k: k}
	if cm, ok := a.custom[k.name]; ok {
		a.checkAgainst(b, target{unit: cm.Unit, kind: kindOfType(cm.Type)})
	} else if al, ok := a.aliases[k.name]; ok {
		a.checkAlias(b, al)
	} else if e, ok := registry.Lookup(k.name); ok {
		a.checkRegistry(b, e)
	} else if f, ok := registry.LookupFamily(k.name); ok {
		b.add(RuleNameDeprecated, LevelViolation, false, "deprecated family %s* (%s): replaced by the %s metrics, no one-to-one successor for this name; no fix", f.Prefix, f.Source, f.Successor)
	} else if e, ok := a.lookupPrometheus(k.name); ok {
		a.checkRename(b, RuleNamePrometheusStyle, LevelViolation, target{name: e.Name, unit: e.Unit, kind: kindOfInstrument(e.Instrument)},
			"Prometheus-style name of %s", e.Name)
	} else if e, ok := registry.LookupPrometheusDeprecated(k.name); ok && isUnderscoreOnly(k.name) {
		nameUnit := e.Unit // the translation put it in the name, unless it is an annotation
		if dimensionless(nameUnit) {
			nameUnit = ""
		}
		a.checkDeprecated(b, e, nameUnit, "Prometheus-style name of "+e.Name+", deprecated")
	} else {
		a.lintUnknown(b)
	}
	return a.withScan(k, a.finish(b))
}

func (a *analyzer) lookupPrometheus(name string) (registry.Entry, bool) {
	if !isUnderscoreOnly(name) {
		return registry.Entry{}, false
	}
	e, ok := registry.LookupPrometheus(name)
	if !ok || e.Name == name || e.Deprecated {
		return registry.Entry{}, false
	}
	return e, true
}

func (a *analyzer) checkAlias(b *builder, al Alias) {
	rule := RuleNameAlias
	if isUnderscoreOnly(b.k.name) {
		rule = RuleNamePrometheusStyle
	}
	t := target{name: al.Name}
	if cm, ok := a.custom[al.Name]; ok {
		t.unit, t.kind = cm.Unit, kindOfType(cm.Type)
	} else if e, ok := registry.Lookup(al.Name); ok {
		if e.Deprecated {
			if r, _, ok := registry.Resolve(al.Name); ok {
				e = r
				t.name = r.Name
			}
		}
		t.unit, t.kind = e.Unit, kindOfInstrument(e.Instrument)
	}
	if al.Unit != "" {
		t.unit = al.Unit
	}
	a.checkRename(b, rule, LevelViolation, t, "configured alias of %s", t.name)
}

func (a *analyzer) checkRegistry(b *builder, e registry.Entry) {
	if e.Canonical {
		return // Obtrace canonical names are known and valid as they are
	}
	if !e.Deprecated {
		a.checkAgainst(b, target{unit: e.Unit, kind: kindOfInstrument(e.Instrument)})
		return
	}
	if e.DeprecationReason == "moved" {
		b.add(RuleNameMoved, LevelInformation, false, "deprecated as moved to another registry%s; accepted", renamedHint(e.RenamedTo))
		return
	}
	a.checkDeprecated(b, e, "", "deprecated")
}

// checkDeprecated reports a deprecated entry e (received under its own name
// or a Prometheus spelling of it) and plans the rename to its active target.
// nameUnit is the unit the received name states, if any.
func (a *analyzer) checkDeprecated(b *builder, e registry.Entry, nameUnit, what string) {
	t, chain, ok := registry.Resolve(e.Name)
	if !ok {
		if e.Successor != "" {
			b.add(RuleNameDeprecated, LevelViolation, false, "%s: replaced by %s, which measures something else (%s); not renamed", what, e.Successor, e.Source)
			return
		}
		b.add(RuleNameDeprecated, LevelViolation, false, "%s (%s)%s without an active replacement; no fix", what, orDefault(e.DeprecationReason, "obsoleted"), renamedHint(e.RenamedTo))
		return
	}
	// A many-to-one rename merges series unless an attribute tells them apart, so it is
	// only applied through an alias that says so.
	for _, n := range chain[:len(chain)-1] {
		if step, _ := registry.Lookup(n); step.ManyToOne {
			b.add(RuleNameDeprecated, LevelViolation, false, "deprecated, renamed to %s together with other metrics (many-to-one): not renamed without an alias that says so", t.Name)
			return
		}
	}
	a.checkRename(b, RuleNameDeprecated, LevelViolation, target{name: t.Name, unit: t.Unit, kind: kindOfInstrument(t.Instrument), hintUnit: e.Unit, nameUnit: nameUnit},
		"%s, renamed to %s (via %s)", what, t.Name, strings.Join(chain, " -> "))
	b.plan.dropOnCollision = true
}

func renamedHint(to string) string {
	if to == "" {
		return ""
	}
	return " to " + to
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (a *analyzer) checkRename(b *builder, rule string, lvl Level, t target, format string, args ...any) {
	b.add(rule, lvl, true, format+": rename to %s", append(args, t.name)...)
	b.plan.rename = t.name
	a.checkAgainst(b, t)
}
