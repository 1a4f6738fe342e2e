package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"context"
	"strings"

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
	scanNone         scanKind = iota
	scanUtilization           // V1: *.utilization in unit "1"
	scanSecondsHist           // H1: histogram in unit "s": ms-style default bounds
	scanDurationHist          // H1: *.duration histogram in unit "s": bounds, or a mean above durationMaxMean
)

// sdkDefaultBounds are the OpenTelemetry SDK default explicit bucket bounds,
// chosen for milliseconds.
var sdkDefaultBounds = [...]float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// adviceBounds are the semconv explicit-bucket advice for HTTP and RPC
// durations, in s (registry bucket advice).
var adviceBounds = func() []float64 {
	e, _ := registry.Lookup("http.server.request.duration")
	return e.BucketBoundaries
}()

// adviceMaxMean is the largest plausible mean, in s, of a histogram that uses
// the advice bounds (a request-duration layout ending at 10 s): above it the
// values look like milliseconds (mean 8.4 "s" on an HTTP server).
const adviceMaxMean = 5.0

// durationMaxMean is the largest plausible mean (sum/count), in seconds, of a
// *.duration histogram (H1): above it, the values look like milliseconds.
const durationMaxMean = 100.0

// utilizationMax is the largest plausible value of a utilization in unit "1"
// (V1): above it, the values look like percent.
const utilizationMax = 1.5

// scanFor returns the value check that applies to k, scanNone when none does.
// Obtrace canonical names are never checked (ignored names never get here).
func (a *analyzer) scanFor(k cacheKey) (scanKind, string, Level, string) {
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
	if k.unit == "s" && (k.typ == pmetric.MetricTypeHistogram || k.typ == pmetric.MetricTypeExponentialHistogram) {
		if isDuration(k.name) {
			return scanDurationHist, RuleHistogramBoundsVsUnit, LevelImprovement,
				"unit \"s\" but the data looks like milliseconds (values above 5 in the SDK default ms bucket bounds [0, 5, 10, ..., 10000], a mean above 5 s in the semconv advice bounds [0.005, ..., 10], or a mean above 100 s): probably ms mislabelled as s; no fix"
		}
		if k.typ == pmetric.MetricTypeHistogram {
			return scanSecondsHist, RuleHistogramBoundsVsUnit, LevelImprovement,
				"unit \"s\" but the data looks like milliseconds (values above 5 in the SDK default ms bucket bounds [0, 5, 10, ..., 10000], or a mean above 5 s in the semconv advice bounds [0.005, ..., 10]): probably ms mislabelled as s; no fix"
		}
	}
	return scanNone, "", 0, ""
}

func isDuration(name string) bool {
	return strings.HasSuffix(name, ".duration") || strings.HasSuffix(name, "_duration")
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
	if s == scanSecondsHist || s == scanDurationHist {
		lv := *vv
		lv.findings = []finding{vv.findings[0]}
		lv.findings[0].msg = "unit \"s\" and the values look like seconds (every one at most 5), but the bucket bounds are the SDK default ms bounds [0, 5, 10, ..., 10000]: they all land in the first bucket and the distribution is lost. The data is fine, the bucket layout is wrong: configure the semconv advice bounds [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] (instrument advice or an SDK view); no fix"
		v.layout = &lv
	}
	return v
}

// scanResult is what a value check found.
type scanResult uint8

const (
	scanOK     scanResult = iota
	scanValue             // the values look wrong (v.value)
	scanLayout            // the values are plausible, the bucket layout is not (v.layout)
)

// scanTrips runs the value check s on m's data points. It does not allocate.
func scanTrips(s scanKind, m pmetric.Metric) scanResult {
	switch s {
	case scanUtilization:
		if utilizationTrips(m) {
			return scanValue
		}
	case scanSecondsHist, scanDurationHist:
		return secondsHistTrips(m, s == scanDurationHist)
	}
	return scanOK
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

// secondsHistTrips checks a histogram in "s" (H1). Values look like ms when
// the explicit bounds are the SDK default ms bounds and some value is above
// 5 (a count past the (0, 5] bucket), when the bounds are the semconv advice
// and the mean (sum/count) is above adviceMaxMean, or, when mean is set, the
// mean is above durationMaxMean. The SDK default ms bounds with every value
// at most 5 are seconds in the wrong layout (scanLayout).
func secondsHistTrips(m pmetric.Metric, mean bool) scanResult {
	res := scanOK
	switch m.Type() {
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			avg, haveAvg := 0.0, dp.Count() > 0 && dp.HasSum()
			if haveAvg {
				avg = dp.Sum() / float64(dp.Count())
			}
			switch {
			case sameBounds(dp.ExplicitBounds(), sdkDefaultBounds[:]):
				if countAbove(dp.BucketCounts(), 2) {
					return scanValue
				}
				if dp.Count() > 0 {
					res = scanLayout
				}
			case haveAvg && avg > adviceMaxMean && sameBounds(dp.ExplicitBounds(), adviceBounds):
				return scanValue
			}
			if mean && haveAvg && avg > durationMaxMean {
				return scanValue
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		if !mean {
			return scanOK
		}
		dps := m.ExponentialHistogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			if dp.Count() > 0 && dp.HasSum() && dp.Sum()/float64(dp.Count()) > durationMaxMean {
				return scanValue
			}
		}
	}
	return res
}

// countAbove reports a non-zero count in bucket from or later.
func countAbove(counts pcommon.UInt64Slice, from int) bool {
	for i := from; i < counts.Len(); i++ {
		if counts.At(i) != 0 {
			return true
		}
	}
	return false
}

func sameBounds(b pcommon.Float64Slice, want []float64) bool {
	if len(want) == 0 || b.Len() != len(want) {
		return false
	}
	for i, v := range want {
		if b.At(i) != v {
			return false
		}
	}
	return true
}

// handleValue acts on a value finding of m (V1, H1): report, count, and
// annotate or drop as configured. remove is true when m is dropped.
// name and unit are the metric's as received (before a rename).
func (p *semanticProcessor) handleValue(ctx context.Context, service, name, unit string, m pmetric.Metric, vv *verdict) (remove bool) {
	p.rep.report(service, name, unit, vv, false)
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
