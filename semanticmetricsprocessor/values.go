package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
)

// scanKind selects the value check a verdict runs on every batch. Value rules
// cannot be decided from (name, unit, type, monotonic) alone, so the cached
// verdict only says which cheap scan applies; metrics without one are never
// scanned.
type scanKind uint8

const (
	scanNone        scanKind = iota
	scanUtilization          // V1: *.utilization in unit "1"
)

// utilizationMax is the largest plausible value of a utilization in unit "1"
// (V1): above it, the values look like percent.
const utilizationMax = 1.5

// scanFor returns the value check that applies to k, scanNone when none does.
// Ignored and Obtrace canonical names are never checked.
func (a *analyzer) scanFor(k cacheKey) (scanKind, string, Level, string) {
	for _, re := range a.ignore {
		if re.MatchString(k.name) {
			return scanNone, "", 0, ""
		}
	}
	if e, ok := registry.Lookup(k.name); ok && e.Canonical {
		return scanNone, "", 0, ""
	}
	switch k.typ {
	case pmetric.MetricTypeGauge, pmetric.MetricTypeSum, pmetric.MetricTypeHistogram, pmetric.MetricTypeExponentialHistogram:
	default:
		return scanNone, "", 0, ""
	}
	if k.unit == "1" && isUtilization(k.name) {
		return scanUtilization, RuleValueUtilizationRange, LevelInformation,
			"utilization in unit \"1\" has values above 1.5: they look like percent (the unit would be \"%\"); no fix"
	}
	return scanNone, "", 0, ""
}

// withScan attaches the value check of k to v. The value finding is a verdict
// of its own (one finding, never a fix), so the reporter logs it once per
// (service.name, metric) like any other finding.
func (a *analyzer) withScan(k cacheKey, v *verdict) *verdict {
	s, rule, lvl, msg := a.scanFor(k)
	if s == scanNone {
		return v
	}
	_, explicit := a.rules[rule]
	act := a.actionFor(rule, lvl)
	if act == ActionOff {
		return v
	}
	if act == ActionDrop && !explicit {
		act = ActionWarn // data-dependent: dropping some batches of a series is worse than the finding
	}
	unfixed := act
	if unfixed == ActionNormalize {
		unfixed = ActionAnnotate // never fixed
	}
	opt := metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", rule), attribute.String("action", string(unfixed))))
	vv := &verdict{
		findings: []finding{{rule: rule, level: lvl, msg: msg, action: act, optFixed: opt, optUnfixed: opt}},
		drop:     act == ActionDrop,
	}
	if act == ActionAnnotate || act == ActionNormalize {
		vv.annotation, vv.annotationUnfixed = rule, rule
	}
	if v == okVerdict {
		v = &verdict{}
	}
	v.scan, v.value = s, vv
	return v
}

// scanTrips runs the value check s on m's data points. It does not allocate.
func scanTrips(s scanKind, m pmetric.Metric) bool {
	switch s {
	case scanUtilization:
		return utilizationTrips(m)
	}
	return false
}

func numberAbove(dps pmetric.NumberDataPointSlice, limit float64) bool {
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		switch dp.ValueType() {
		case pmetric.NumberDataPointValueTypeDouble:
			if dp.DoubleValue() > limit {
				return true
			}
		case pmetric.NumberDataPointValueTypeInt:
			if float64(dp.IntValue()) > limit {
				return true
			}
		}
	}
	return false
}

func utilizationTrips(m pmetric.Metric) bool {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return numberAbove(m.Gauge().DataPoints(), utilizationMax)
	case pmetric.MetricTypeSum:
		return numberAbove(m.Sum().DataPoints(), utilizationMax)
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			if dp := dps.At(i); dp.HasMax() && dp.Max() > utilizationMax {
				return true
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			if dp := dps.At(i); dp.HasMax() && dp.Max() > utilizationMax {
				return true
			}
		}
	}
	return false
}

// handleValue acts on a value finding of m (V1, H1): report, count, and
// annotate or drop as configured. remove is true when m is dropped.
func (p *semanticProcessor) handleValue(ctx context.Context, service string, m pmetric.Metric, vv *verdict) (remove bool) {
	p.rep.report(service, m.Name(), m.Unit(), vv, false)
	p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, vv.findings[0].optUnfixed)
	if vv.drop {
		p.telemetry.ProcessorSemanticmetricsMetricsDropped.Add(ctx, 1)
		p.telemetry.ProcessorSemanticmetricsDatapointsDropped.Add(ctx, int64(dataPointCount(m)))
		return true
	}
	if vv.annotation != "" {
		appendAnnotation(m.Metadata(), vv.annotation)
		if p.cfg.AnnotateAttributes {
			forEachAttributes(m, func(a pcommon.Map) { appendAnnotation(a, vv.annotation) })
		}
		p.telemetry.ProcessorSemanticmetricsMetricsAnnotated.Add(ctx, 1)
	}
	return false
}

// appendAnnotation adds id to the comma-joined semconv.violations of a map.
func appendAnnotation(a pcommon.Map, id string) {
	if old, ok := a.Get(AnnotationKey); ok && old.Type() == pcommon.ValueTypeStr && old.Str() != "" {
		a.PutStr(AnnotationKey, old.Str()+","+id)
		return
	}
	a.PutStr(AnnotationKey, id)
}
