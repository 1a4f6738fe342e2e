package semanticmetricsprocessor

import (
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/metric"
)

// The types below are what the analyzer (analysis.go) computes once per
// cacheKey and the processor applies to every batch; see doc.go.

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
