package semanticmetricsprocessor

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
)

// scanKind selects the value check a verdict runs on every batch (see
// doc.go); metrics without one are never scanned.
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
	if v == okVerdict {
		v = &verdict{}
	}
	v.scan, v.value = s, singleFindingVerdict(rule, lvl, act, msg)
	if s == scanSecondsHist || s == scanDurationHist {
		v.layout = singleFindingVerdict(rule, lvl, act, "unit \"s\" and the values look like seconds (every one at most 5), but the bucket bounds are the SDK default ms bounds [0, 5, 10, ..., 10000]: they all land in the first bucket and the distribution is lost. The data is fine, the bucket layout is wrong: configure the semconv advice bounds [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] (instrument advice or an SDK view); no fix")
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

// valueVerdict runs v's value check on m's data as received and returns the
// verdict to report, nil when the data passes or v has no check. It does
// not allocate.
func (v *verdict) valueVerdict(m pmetric.Metric) *verdict {
	if v.scan == scanNone || v.drop {
		return nil
	}
	switch scanValues(v.scan, m) {
	case scanValue:
		return v.value
	case scanLayout:
		return v.layout
	}
	return nil
}

// scanValues runs the value check s on m's data points.
func scanValues(s scanKind, m pmetric.Metric) scanResult {
	switch s {
	case scanUtilization:
		if utilizationLooksLikePercent(m) {
			return scanValue
		}
	case scanSecondsHist, scanDurationHist:
		return scanSecondsHistogram(m, s == scanDurationHist)
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

// utilizationLooksLikePercent is V1: a value above utilizationMax.
func utilizationLooksLikePercent(m pmetric.Metric) bool {
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

// scanSecondsHistogram checks a histogram in "s" (H1). Values look like ms when
// the explicit bounds are the SDK default ms bounds and some value is above
// 5 (a count past the (0, 5] bucket), when the bounds are the semconv advice
// and the mean (sum/count) is above adviceMaxMean, or, when mean is set, the
// mean is above durationMaxMean. The SDK default ms bounds with every value
// at most 5 are seconds in the wrong layout (scanLayout).
func scanSecondsHistogram(m pmetric.Metric, mean bool) scanResult {
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
