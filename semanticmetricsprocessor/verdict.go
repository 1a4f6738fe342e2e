package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// kind is the instrument a known metric must be sent as.
type kind uint8

const (
	kindAny kind = iota
	kindCounter
	kindUpDownCounter
	kindGauge
	kindHistogram // explicit or exponential
	kindExpHistogram
	kindSummary
	kindSum // monotonic or not
)

func (k kind) String() string {
	return [...]string{"any", "counter", "updowncounter", "gauge", "histogram", "exponential_histogram", "summary", "sum"}[k]
}

func kindOfType(t MetricType) kind {
	switch t {
	case TypeCounter:
		return kindCounter
	case TypeUpDownCounter:
		return kindUpDownCounter
	case TypeSum:
		return kindSum
	case TypeGauge:
		return kindGauge
	case TypeHistogram:
		return kindHistogram
	case TypeExponentialHistogram:
		return kindExpHistogram
	case TypeSummary:
		return kindSummary
	}
	return kindAny
}

func kindOfInstrument(i registry.Instrument) kind {
	switch i {
	case registry.Counter:
		return kindCounter
	case registry.UpDownCounter:
		return kindUpDownCounter
	case registry.Gauge:
		return kindGauge
	case registry.Histogram:
		return kindHistogram
	}
	return kindAny
}

func describeType(t pmetric.MetricType, mono bool) string {
	switch t {
	case pmetric.MetricTypeSum:
		if mono {
			return "monotonic Sum"
		}
		return "non-monotonic Sum"
	case pmetric.MetricTypeGauge:
		return "Gauge"
	case pmetric.MetricTypeHistogram:
		return "Histogram"
	case pmetric.MetricTypeExponentialHistogram:
		return "ExponentialHistogram"
	case pmetric.MetricTypeSummary:
		return "Summary"
	}
	return "empty metric"
}

// checkKind applies the compatibility classes: histogram = Histogram or
// ExponentialHistogram; counter = monotonic Sum; updowncounter = non-monotonic
// Sum (a Gauge is information only); gauge = Gauge.
func checkKind(want kind, t pmetric.MetricType, mono bool) (ok bool, lvl Level, msg string) {
	if want == kindAny || t == pmetric.MetricTypeEmpty {
		return true, 0, ""
	}
	switch want {
	case kindCounter:
		ok = t == pmetric.MetricTypeSum && mono
	case kindUpDownCounter:
		ok = t == pmetric.MetricTypeSum && !mono
		if t == pmetric.MetricTypeGauge {
			return false, LevelInformation, "expected updowncounter (non-monotonic Sum), received Gauge: a Prometheus round-trip loses the difference; accepted"
		}
	case kindSum:
		ok = t == pmetric.MetricTypeSum
	case kindGauge:
		ok = t == pmetric.MetricTypeGauge
	case kindHistogram:
		ok = t == pmetric.MetricTypeHistogram || t == pmetric.MetricTypeExponentialHistogram
		if t == pmetric.MetricTypeSummary {
			return false, LevelViolation, "expected histogram, received Summary: a summary cannot become a histogram; no fix"
		}
	case kindExpHistogram:
		ok = t == pmetric.MetricTypeExponentialHistogram
	case kindSummary:
		ok = t == pmetric.MetricTypeSummary
	}
	if ok {
		return true, 0, ""
	}
	return false, LevelViolation, fmt.Sprintf("expected %s, received %s; no fix", want, describeType(t, mono))
}

// cacheKey identifies a verdict: everything the rules look at.
type cacheKey struct {
	name string
	unit string
	typ  pmetric.MetricType
	mono bool
}

// finding is one rule result for a metric.
type finding struct {
	rule  string
	level Level
	msg   string // what is wrong and the suggested fix
	fix   bool   // resolved by the verdict's plan when the plan is applied
	// fixable: resolved by the proposed plan, whatever the configured actions
	// (what normalize would do, for the findings page).
	fixable bool
	// action is the effective configured action for this finding.
	action Action
	// telemetry attribute sets for "fixed" and "not fixed" outcomes.
	optFixed, optUnfixed metric.MeasurementOption
}

// plan is the normalization of one metric: all of it or nothing.
type plan struct {
	rename  string
	unit    string
	setUnit bool
	conv    *conversion
	// dropOnCollision: the rename is a semconv deprecation. When the target
	// already exists in the same scope, the instrumentation emits both
	// generations of the same measurement (OTEL_SEMCONV_STABILITY_OPT_IN=http/dup):
	// the legacy copy is dropped, never merged, or every request counts twice.
	dropOnCollision bool
}

// verdict is the cached outcome of every rule for a cacheKey under the
// processor's configuration.
type verdict struct {
	findings []finding
	plan     *plan // nil when nothing is normalized
	drop     bool
	// annotation lists the rule ids written to metadata when the plan is
	// applied (or there is no plan); annotationUnfixed when the plan could not
	// be applied at run time (exponential scale, rename collision).
	annotation, annotationUnfixed string
	// scan is the value check run on every batch of this metric (V1, H1);
	// value is the finding reported when it trips (never a fix).
	scan  scanKind
	value *verdict
	// layout is the H1 finding when the data is plausible but the bucket
	// layout is not (seconds recorded into the SDK default ms bounds).
	layout *verdict
	// proposed is the plan that normalize applies or, under other actions,
	// would apply (the findings page shows it); it is plan when plan is set.
	proposed *plan
	// dup is reported, instead of the verdict's own findings, when the plan's
	// rename target already exists in the scope and the metric is dropped as
	// the legacy copy of a /dup migration.
	dup *verdict
}

// okVerdict is shared by every compliant metric.
var okVerdict = &verdict{}

// Rough heap costs behind verdict.bytes, for the byte budgets of the verdict
// cache and the reporter; TestVerdictBytesEstimate checks them against the heap.
const (
	verdictOverhead = 160
	findingOverhead = 512 // the finding and its two telemetry attribute sets
	planOverhead    = 192 // the plan and its conversion
)

// bytes estimates the heap held by v (0 for the shared okVerdict).
func (v *verdict) bytes() int {
	if v == nil || v == okVerdict {
		return 0
	}
	n := verdictOverhead + len(v.annotation) + len(v.annotationUnfixed)
	for i := range v.findings {
		n += findingOverhead + len(v.findings[i].msg)
	}
	if p := v.proposed; p != nil {
		n += planOverhead + len(p.rename) + len(p.unit)
		if p.conv != nil {
			n += (p.conv.rat.Num().BitLen() + p.conv.rat.Denom().BitLen()) / 8
		}
	}
	return n + v.value.bytes() + v.layout.bytes() + v.dup.bytes()
}

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

type builder struct {
	k        cacheKey
	findings []finding
	plan     plan
	hasPlan  bool
	refused  bool
}

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
		w, ok := ucum.FromWord(src)
		if ok && nameContradictsUnit(k.name, w) {
			b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM; it would read %q, but the name counts events (a count is not in %s); no fix (expected %q)", src, w, w, t.unit)
			if renaming {
				b.refuse()
			}
			return
		}
		if !ok {
			b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM and has no safe replacement (expected %q)", src, t.unit)
			if renaming {
				b.refuse()
			}
			return
		}
		b.add(RuleUnitInvalidUCUM, LevelViolation, true, "unit %q is not UCUM: use %q", src, w)
		b.setUnit(w)
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

// lintUnknown runs the lint rules that apply only to names nobody knows.
func (a *analyzer) lintUnknown(b *builder) {
	k := b.k
	name := k.name

	// Units first: later rules compare with the UCUM form.
	unit := k.unit
	unitOK := true
	if unit != "" && !validUnit(unit) {
		if w, ok := ucum.FromWord(unit); ok && nameContradictsUnit(name, w) {
			b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM; it would read %q, but the name counts events (a count is not in %s); no fix", unit, w, w)
			unitOK = false
		} else if ok {
			b.add(RuleUnitInvalidUCUM, LevelViolation, true, "unit %q is not UCUM: use %q", unit, w)
			b.setUnit(w)
			unit = w
		} else {
			b.add(RuleUnitInvalidUCUM, LevelViolation, false, "unit %q is not UCUM and has no safe replacement", unit)
			unitOK = false
		}
	}

	if !syntaxOK(name) {
		b.add(RuleNameSyntax, LevelViolation, false, "name breaks the OpenTelemetry API syntax %s; cannot be fixed safely", syntaxPattern)
	} else {
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
			if s, ok := squatSuggestion(name, unit, k.typ, k.mono); ok {
				b.add(RuleNameSquatsNamespace, LevelImprovement, false, "unknown name inside the semconv namespace %s: did you mean %s? Suggestion only (not renamed)", name[:strings.IndexByte(name, '.')], s)
			}
		}
	}

	if unit == "" || !unitOK {
		return
	}
	if isUtilization(name) && unit == "%" {
		if k.typ == pmetric.MetricTypeExponentialHistogram {
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

func hasUnitWord(name string) bool {
	_, _, _, ok := unitSuffix(name)
	return ok
}

func isUtilization(name string) bool {
	return strings.HasSuffix(name, ".utilization") || strings.HasSuffix(name, "_utilization")
}

// finish resolves actions and decides what the verdict does.
func (a *analyzer) finish(b *builder) *verdict {
	if len(b.findings) == 0 {
		return okVerdict
	}
	// The plan applies only when every finding it resolves (including ones
	// switched off) is set to normalize: a rename without its unit conversion
	// would mislabel values.
	planOK := b.hasPlan && !b.refused
	for i := range b.findings {
		f := &b.findings[i]
		f.action = a.actionFor(f.rule, f.level)
		if f.fix && f.action != ActionNormalize {
			planOK = false
		}
	}
	active := make([]finding, 0, len(b.findings))
	for _, f := range b.findings {
		if f.action != ActionOff {
			active = append(active, f)
		}
	}
	if len(active) == 0 {
		return okVerdict
	}
	v := &verdict{findings: active}
	var ann, annUnfixed []string
	for i := range v.findings {
		f := &v.findings[i]
		if !planOK {
			f.fix = false
		}
		if f.action == ActionDrop {
			v.drop = true
		}
		if f.action == ActionAnnotate || f.action == ActionNormalize {
			if !slices.Contains(annUnfixed, f.rule) {
				annUnfixed = append(annUnfixed, f.rule)
			}
			if !f.fix && !slices.Contains(ann, f.rule) {
				ann = append(ann, f.rule)
			}
		}
		unfixedAction := f.action
		if unfixedAction == ActionNormalize {
			unfixedAction = ActionAnnotate
		}
		f.optUnfixed = metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", f.rule), attribute.String("action", string(unfixedAction))))
		f.optFixed = metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", f.rule), attribute.String("action", string(ActionNormalize))))
	}
	if b.hasPlan && !b.refused {
		p := b.plan
		v.proposed = &p
	}
	if planOK {
		p := v.proposed
		v.plan = p
		if p.dropOnCollision && p.rename != "" {
			v.dup = a.dupVerdict(b.k.name, p.rename)
		}
	}
	v.annotation = strings.Join(ann, ",")
	v.annotationUnfixed = strings.Join(annUnfixed, ",")
	return v
}

// dupVerdict is the finding reported when the legacy copy of a /dup migration
// is dropped because its rename target is already in the scope.
func (a *analyzer) dupVerdict(name, target string) *verdict {
	opt := metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", RuleNameDeprecated), attribute.String("action", string(ActionDrop))))
	return &verdict{
		findings: []finding{{
			rule: RuleNameDeprecated, level: LevelViolation, action: ActionDrop, optFixed: opt, optUnfixed: opt,
			msg: fmt.Sprintf("deprecated, and %s is also in the same scope (semconv migration, OTEL_SEMCONV_STABILITY_OPT_IN=*/dup): the legacy copy %s is dropped, not merged (it would count the same measurements twice)", target, name),
		}},
		drop: true,
	}
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
