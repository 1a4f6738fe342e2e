package semanticmetricsprocessor

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
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

// kindOfData is the instrument class of received data (kindAny when unclear).
func kindOfData(t pmetric.MetricType, mono bool) kind {
	switch t {
	case pmetric.MetricTypeSum:
		if mono {
			return kindCounter
		}
		return kindUpDownCounter
	case pmetric.MetricTypeGauge:
		return kindGauge
	case pmetric.MetricTypeHistogram, pmetric.MetricTypeExponentialHistogram:
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

// checkKind is I1: data of type t (mono for a Sum) against the kind want.
func checkKind(want kind, t pmetric.MetricType, mono bool) (ok bool, lvl Level, msg string) {
	if want == kindAny || t == pmetric.MetricTypeEmpty || kindAccepts(want, t, mono) {
		return true, 0, ""
	}
	switch {
	case want == kindUpDownCounter && t == pmetric.MetricTypeGauge:
		return false, LevelInformation, "expected updowncounter (non-monotonic Sum), received Gauge: a Prometheus round-trip loses the difference; accepted"
	case want == kindHistogram && t == pmetric.MetricTypeSummary:
		return false, LevelViolation, "expected histogram, received Summary: a summary cannot become a histogram; no fix"
	}
	return false, LevelViolation, fmt.Sprintf("expected %s, received %s; no fix", want, describeType(t, mono))
}

// kindAccepts applies the compatibility classes: histogram = Histogram or
// ExponentialHistogram; counter = monotonic Sum; updowncounter = non-monotonic
// Sum; sum = either; gauge = Gauge.
func kindAccepts(want kind, t pmetric.MetricType, mono bool) bool {
	switch want {
	case kindCounter:
		return t == pmetric.MetricTypeSum && mono
	case kindUpDownCounter:
		return t == pmetric.MetricTypeSum && !mono
	case kindSum:
		return t == pmetric.MetricTypeSum
	case kindGauge:
		return t == pmetric.MetricTypeGauge
	case kindHistogram:
		return t == pmetric.MetricTypeHistogram || t == pmetric.MetricTypeExponentialHistogram
	case kindExpHistogram:
		return t == pmetric.MetricTypeExponentialHistogram
	case kindSummary:
		return t == pmetric.MetricTypeSummary
	}
	return true
}
