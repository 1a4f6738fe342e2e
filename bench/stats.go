package bench

import (
	"math"
	"slices"
)

// Spread is the median and the range of a set of measurements.
type Spread struct {
	Median, Min, Max float64
	N                int
}

// Summarize returns the median, minimum and maximum of xs (NaNs are ignored).
// The median of an even count is the mean of the two middle values.
func Summarize(xs []float64) Spread {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Spread{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	slices.Sort(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	return Spread{Median: med, Min: v[0], Max: v[n-1], N: n}
}

// Ratios returns b[i]/a[i] for every round i present in both (the rounds of
// an A/B pair run back to back, so pairing them cancels slow drifts of the
// machine).
func Ratios(b, a []float64) []float64 {
	n := min(len(a), len(b))
	out := make([]float64, 0, n)
	for i := range n {
		if a[i] == 0 || math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			continue
		}
		out = append(out, b[i]/a[i])
	}
	return out
}
