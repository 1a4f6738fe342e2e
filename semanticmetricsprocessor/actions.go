package semanticmetricsprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/obtraceai/otelcol-obtrace/internal/pdatautil"
)

// outcome is what processing did to one metric.
type outcome uint8

const (
	metricKept    outcome = iota // passed on unfixed (possibly annotated)
	metricFixed                  // the plan was applied in place
	metricMerged                 // the plan was applied and the points moved into the metric of the target name
	metricDropped                // removed: the drop action, or the legacy copy of a /dup migration
)

// applied reports whether the verdict's plan was applied.
func (o outcome) applied() bool { return o == metricFixed || o == metricMerged }

// removed reports whether the metric leaves its scope.
func (o outcome) removed() bool { return o == metricMerged || o == metricDropped }

// metricInScope is a metric being processed: its service.name and its place
// among the scope's metrics, some of which this batch already removed.
type metricInScope struct {
	service string
	metrics pmetric.MetricSlice
	idx     int
	removed []bool // nil: none yet
}

// other returns the first metric named name in the scope, besides this one
// and the removed ones.
func (s metricInScope) other(name string) (pmetric.Metric, bool) {
	for j := 0; j < s.metrics.Len(); j++ {
		if j != s.idx && (s.removed == nil || !s.removed[j]) && s.metrics.At(j).Name() == name {
			return s.metrics.At(j), true
		}
	}
	return pmetric.Metric{}, false
}

// act applies the verdict v of a non-compliant metric, then the verdict of
// its value check (nil when the data passed).
func (p *semanticProcessor) act(ctx context.Context, at metricInScope, v, valueVerdict *verdict) outcome {
	m := at.metrics.At(at.idx)
	name, unit := m.Name(), m.Unit() // as received, for the reports: before any rename
	o := metricKept
	if len(v.findings) > 0 {
		o = p.applyVerdict(ctx, at, m, name, unit, v)
	}
	if valueVerdict == nil || o.removed() {
		return o
	}
	p.record(ctx, at.service, name, unit, valueVerdict, false)
	if valueVerdict.drop {
		p.countDropped(ctx, m)
		return metricDropped
	}
	if ids := valueVerdict.annotation; ids != "" {
		appendAnnotation(m.Metadata(), ids)
		if p.cfg.AnnotateAttributes {
			forEachAttributes(m, func(a pcommon.Map) { appendAnnotation(a, ids) })
		}
		p.telemetry.ProcessorSemanticmetricsMetricsAnnotated.Add(ctx, 1)
	}
	return o
}

// applyVerdict drops m, applies the plan (all or nothing) and annotates what
// stays unfixed, as v says.
func (p *semanticProcessor) applyVerdict(ctx context.Context, at metricInScope, m pmetric.Metric, name, unit string, v *verdict) outcome {
	if v.drop {
		p.record(ctx, at.service, name, unit, v, false)
		p.countDropped(ctx, m)
		return metricDropped
	}
	o := metricKept
	if fix := v.plan; fix != nil {
		var target pmetric.Metric
		targetInScope := false
		if fix.rename != "" {
			target, targetInScope = at.other(fix.rename)
		}
		if targetInScope && v.dup != nil {
			// The legacy copy of a /dup migration: the target carries the same measurements.
			p.record(ctx, at.service, name, unit, v.dup, false)
			p.countDropped(ctx, m)
			return metricDropped
		}
		o = p.applyPlan(ctx, m, fix, target, targetInScope)
	}
	p.record(ctx, at.service, name, unit, v, o.applied())
	ids := v.annotation
	if !o.applied() {
		ids = v.annotationUnfixed
	}
	if ids != "" && o != metricMerged {
		annotate(m, ids, p.cfg.AnnotateAttributes)
		p.telemetry.ProcessorSemanticmetricsMetricsAnnotated.Add(ctx, 1)
	}
	return o
}

// record reports v's findings and counts them, as fixed when the plan was
// applied and the finding is one it resolves.
func (p *semanticProcessor) record(ctx context.Context, service, name, unit string, v *verdict, applied bool) {
	p.reporter.report(service, name, unit, v, applied)
	for i := range v.findings {
		f := &v.findings[i]
		opt := f.optUnfixed
		if applied && f.fix {
			opt = f.optFixed
		}
		p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, opt)
	}
}

func (p *semanticProcessor) countDropped(ctx context.Context, m pmetric.Metric) {
	p.telemetry.ProcessorSemanticmetricsMetricsDropped.Add(ctx, 1)
	p.telemetry.ProcessorSemanticmetricsDatapointsDropped.Add(ctx, int64(pdatautil.DataPointCount(m)))
}

// applyPlan renames, converts and relabels m, all or nothing. When target (a
// metric of the new name) is in the scope, m is an alias or Prometheus
// spelling of it, not a semconv generation: two sources of distinct series,
// whose points are merged into target when data type, unit and temporality
// agree, else m is kept unfixed.
func (p *semanticProcessor) applyPlan(ctx context.Context, m pmetric.Metric, fix *plan, target pmetric.Metric, targetInScope bool) outcome {
	newUnit := m.Unit()
	if fix.setUnit {
		newUnit = fix.unit
	}
	if targetInScope && !mergeable(m, target, newUnit) {
		return metricKept
	}
	if fix.conv != nil {
		if !fix.conv.apply(m) {
			return metricKept
		}
		p.telemetry.ProcessorSemanticmetricsMetricsConverted.Add(ctx, 1)
	}
	if fix.rename != "" {
		p.telemetry.ProcessorSemanticmetricsMetricsRenamed.Add(ctx, 1)
	}
	if targetInScope {
		moveDataPoints(m, target)
		return metricMerged
	}
	if fix.rename != "" {
		m.SetName(fix.rename)
	}
	if fix.setUnit {
		m.SetUnit(fix.unit)
	}
	return metricFixed
}

func mergeable(m, host pmetric.Metric, unit string) bool {
	if m.Type() != host.Type() || host.Unit() != unit {
		return false
	}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		return m.Sum().AggregationTemporality() == host.Sum().AggregationTemporality() &&
			m.Sum().IsMonotonic() == host.Sum().IsMonotonic()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().AggregationTemporality() == host.Histogram().AggregationTemporality()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().AggregationTemporality() == host.ExponentialHistogram().AggregationTemporality()
	}
	return true
}

func moveDataPoints(from, to pmetric.Metric) {
	switch from.Type() {
	case pmetric.MetricTypeGauge:
		from.Gauge().DataPoints().MoveAndAppendTo(to.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		from.Sum().DataPoints().MoveAndAppendTo(to.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		from.Histogram().DataPoints().MoveAndAppendTo(to.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		from.ExponentialHistogram().DataPoints().MoveAndAppendTo(to.ExponentialHistogram().DataPoints())
	case pmetric.MetricTypeSummary:
		from.Summary().DataPoints().MoveAndAppendTo(to.Summary().DataPoints())
	}
}

// annotate writes the rule ids to the metric metadata, and to every data
// point's attributes when attrs is set.
func annotate(m pmetric.Metric, ids string, attrs bool) {
	m.Metadata().PutStr(AnnotationKey, ids)
	if !attrs {
		return
	}
	forEachAttributes(m, func(a pcommon.Map) { a.PutStr(AnnotationKey, ids) })
}

func forEachAttributes(m pmetric.Metric, f func(pcommon.Map)) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for i := 0; i < m.Gauge().DataPoints().Len(); i++ {
			f(m.Gauge().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeSum:
		for i := 0; i < m.Sum().DataPoints().Len(); i++ {
			f(m.Sum().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeHistogram:
		for i := 0; i < m.Histogram().DataPoints().Len(); i++ {
			f(m.Histogram().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for i := 0; i < m.ExponentialHistogram().DataPoints().Len(); i++ {
			f(m.ExponentialHistogram().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeSummary:
		for i := 0; i < m.Summary().DataPoints().Len(); i++ {
			f(m.Summary().DataPoints().At(i).Attributes())
		}
	}
}

// appendAnnotation adds id to the comma-joined semconv.violations of a map.
func appendAnnotation(a pcommon.Map, id string) {
	if old, ok := a.Get(AnnotationKey); ok && old.Type() == pcommon.ValueTypeStr && old.Str() != "" {
		a.PutStr(AnnotationKey, old.Str()+","+id)
		return
	}
	a.PutStr(AnnotationKey, id)
}
