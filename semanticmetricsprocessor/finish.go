package semanticmetricsprocessor

import (
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// finish resolves the configured action of every finding and decides what
// the verdict does.
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
	active := slices.DeleteFunc(slices.Clone(b.findings), func(f finding) bool { return f.action == ActionOff })
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
		if annotates(f.action) {
			if !slices.Contains(annUnfixed, f.rule) {
				annUnfixed = append(annUnfixed, f.rule)
			}
			if !f.fix && !slices.Contains(ann, f.rule) {
				ann = append(ann, f.rule)
			}
		}
		f.optUnfixed = findingOption(f.rule, unfixedAction(f.action))
		f.optFixed = findingOption(f.rule, ActionNormalize)
	}
	if b.hasPlan && !b.refused {
		p := b.plan
		v.proposed = &p
	}
	if planOK {
		p := v.proposed
		v.plan = p
		if p.dropOnCollision && p.rename != "" {
			v.dup = singleFindingVerdict(RuleNameDeprecated, LevelViolation, ActionDrop,
				fmt.Sprintf("deprecated, and %s is also in the same scope (semconv migration, OTEL_SEMCONV_STABILITY_OPT_IN=*/dup): the legacy copy %s is dropped, not merged (it would count the same measurements twice)", p.rename, b.k.name))
		}
	}
	v.annotation = strings.Join(ann, ",")
	v.annotationUnfixed = strings.Join(annUnfixed, ",")
	return v
}

// singleFindingVerdict is a verdict of one finding that is never fixed: a
// value check (V1, H1) or the drop of a /dup migration's legacy copy.
func singleFindingVerdict(rule string, lvl Level, act Action, msg string) *verdict {
	opt := findingOption(rule, unfixedAction(act))
	v := &verdict{
		findings: []finding{{rule: rule, level: lvl, msg: msg, action: act, optFixed: opt, optUnfixed: opt}},
		drop:     act == ActionDrop,
	}
	if annotates(act) {
		v.annotation, v.annotationUnfixed = rule, rule
	}
	return v
}

// unfixedAction is the action taken on a finding that is not fixed:
// normalize without a fix annotates.
func unfixedAction(act Action) Action {
	if act == ActionNormalize {
		return ActionAnnotate
	}
	return act
}

// annotates reports the actions that write semconv.violations when the
// finding is not fixed.
func annotates(act Action) bool { return act == ActionAnnotate || act == ActionNormalize }

// findingOption is the attribute set of the violations counter for a finding
// of rule handled with act.
func findingOption(rule string, act Action) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", rule), attribute.String("action", string(act))))
}
