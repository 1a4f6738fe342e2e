package pdatautil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestDataPointCount(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	sum := ms.AppendEmpty().SetEmptySum().DataPoints()
	sum.AppendEmpty()
	sum.AppendEmpty()
	hist := ms.AppendEmpty().SetEmptyHistogram().DataPoints()
	for range 3 {
		hist.AppendEmpty()
	}
	exp := ms.AppendEmpty().SetEmptyExponentialHistogram().DataPoints()
	for range 4 {
		exp.AppendEmpty()
	}
	summary := ms.AppendEmpty().SetEmptySummary().DataPoints()
	for range 5 {
		summary.AppendEmpty()
	}
	ms.AppendEmpty() // no type: no points

	total := 0
	for i, want := range []int{1, 2, 3, 4, 5, 0} {
		got := DataPointCount(ms.At(i))
		assert.Equal(t, want, got, "metric %d (%s)", i, ms.At(i).Type())
		total += got
	}
	assert.Equal(t, md.DataPointCount(), total, "the per-metric counts add up to pdata's own count")
}
