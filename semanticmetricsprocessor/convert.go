package semanticmetricsprocessor

import (
	"math"
	"math/big"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// conversion is v' = a*v with a an exact positive rational. Values are
// converted with correctly rounded arithmetic: division by n when a = 1/n
// (so 5 ms -> 0.005 s exactly as its shortest decimal), multiplication by n
// when a = n, and math/big otherwise.
type conversion struct {
	rat *big.Rat
	// exactly one of div, mul is set when a = 1/n or a = n with n <= 2^53.
	div float64
	mul float64
	// mulInt is n when a = n is a whole number that fits int64: int points stay int.
	mulInt int64
	// pow2 is k when a = 2^k (exponential histograms can shift exactly).
	pow2   int
	isPow2 bool
}

const maxExactInt = 1 << 53

func newConversion(a *big.Rat) *conversion {
	c := &conversion{rat: new(big.Rat).Set(a)}
	num, den := a.Num(), a.Denom()
	switch {
	case den.IsInt64() && den.Int64() == 1 && num.IsInt64():
		n := num.Int64()
		c.mulInt = n
		if n <= maxExactInt {
			c.mul = float64(n)
		}
	case num.IsInt64() && num.Int64() == 1 && den.IsInt64() && den.Int64() <= maxExactInt:
		c.div = float64(den.Int64())
	}
	if k, ok := log2Rat(a); ok {
		c.pow2, c.isPow2 = k, true
	}
	return c
}

func log2Rat(a *big.Rat) (int, bool) {
	num, den := a.Num(), a.Denom()
	isPow := func(x *big.Int) (int, bool) {
		if x.Sign() <= 0 {
			return 0, false
		}
		n := x.BitLen() - 1
		return n, x.TrailingZeroBits() == uint(n)
	}
	if n, ok := isPow(num); ok && den.Cmp(big.NewInt(1)) == 0 {
		return n, true
	}
	if d, ok := isPow(den); ok && num.Cmp(big.NewInt(1)) == 0 {
		return -d, true
	}
	return 0, false
}

// whole reports whether int values can stay int (a is a whole number).
func (c *conversion) whole() bool { return c.mulInt != 0 }

// scale converts a double value. NaN and ±Inf are preserved.
func (c *conversion) scale(v float64) float64 {
	switch {
	case c.div != 0:
		return v / c.div
	case c.mul != 0:
		return v * c.mul
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return v
	}
	r := new(big.Rat).SetFloat64(v)
	r.Mul(r, c.rat)
	out, _ := r.Float64()
	return out
}

// fromInt converts an int value to a double value, exactly rounded.
func (c *conversion) fromInt(v int64) float64 {
	if v > -maxExactInt && v < maxExactInt && (c.div != 0 || c.mul != 0) {
		return c.scale(float64(v))
	}
	r := new(big.Rat).SetInt64(v)
	r.Mul(r, c.rat)
	out, _ := r.Float64()
	return out
}

// intOK reports whether v*n stays within int64 (only for whole factors).
func (c *conversion) intOK(v int64) bool {
	n := c.mulInt
	if n == 1 {
		return true
	}
	return v <= math.MaxInt64/n && v >= math.MinInt64/n
}

// convertNumberPoints converts gauge and sum points. Int points stay int for
// a whole factor unless one of them would overflow; then every int point of
// the metric becomes a double (all points or none).
func (c *conversion) convertNumberPoints(dps pmetric.NumberDataPointSlice) {
	keepInt := c.whole()
	if keepInt {
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			if dp.ValueType() == pmetric.NumberDataPointValueTypeInt && !c.intOK(dp.IntValue()) {
				keepInt = false
				break
			}
		}
	}
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		switch dp.ValueType() {
		case pmetric.NumberDataPointValueTypeInt:
			if keepInt {
				dp.SetIntValue(dp.IntValue() * c.mulInt)
			} else {
				dp.SetDoubleValue(c.fromInt(dp.IntValue()))
			}
		case pmetric.NumberDataPointValueTypeDouble:
			dp.SetDoubleValue(c.scale(dp.DoubleValue()))
		}
		c.convertExemplars(dp.Exemplars())
	}
}

func (c *conversion) convertExemplars(es pmetric.ExemplarSlice) {
	for i := 0; i < es.Len(); i++ {
		e := es.At(i)
		switch e.ValueType() {
		case pmetric.ExemplarValueTypeInt:
			if v := e.IntValue(); c.whole() && c.intOK(v) {
				e.SetIntValue(v * c.mulInt)
			} else {
				e.SetDoubleValue(c.fromInt(v))
			}
		case pmetric.ExemplarValueTypeDouble:
			e.SetDoubleValue(c.scale(e.DoubleValue()))
		}
	}
}

// convertHistogram scales bounds, sum, min, max and exemplars; counts and
// bucket counts are unchanged. Bounds stay sorted because a > 0.
func (c *conversion) convertHistogram(dps pmetric.HistogramDataPointSlice) {
	// Points of one metric almost always share their bucket layout: convert
	// it once and reuse the result when the next point's bounds are equal.
	var memoIn, memoOut [64]float64
	memoLen := -1
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		b := dp.ExplicitBounds()
		n := b.Len()
		same := n == memoLen
		for j := 0; same && j < n; j++ {
			same = b.At(j) == memoIn[j]
		}
		if same {
			for j := range n {
				b.SetAt(j, memoOut[j])
			}
		} else {
			for j := range n {
				in := b.At(j)
				out := c.scale(in)
				b.SetAt(j, out)
				if n <= len(memoIn) {
					memoIn[j], memoOut[j] = in, out
				}
			}
			memoLen = -1
			if n <= len(memoIn) {
				memoLen = n
			}
		}
		convertSumMinMax(c, dp)
	}
}

// histogramPoint is what explicit and exponential histogram points share.
type histogramPoint interface {
	HasSum() bool
	Sum() float64
	SetSum(float64)
	HasMin() bool
	Min() float64
	SetMin(float64)
	HasMax() bool
	Max() float64
	SetMax(float64)
	Exemplars() pmetric.ExemplarSlice
}

// convertSumMinMax scales a histogram point's optional sum, min and max and its
// exemplars. Generic rather than an interface parameter, so no point is boxed.
func convertSumMinMax[P histogramPoint](c *conversion, dp P) {
	if dp.HasSum() {
		dp.SetSum(c.scale(dp.Sum()))
	}
	if dp.HasMin() {
		dp.SetMin(c.scale(dp.Min()))
	}
	if dp.HasMax() {
		dp.SetMax(c.scale(dp.Max()))
	}
	c.convertExemplars(dp.Exemplars())
}

// expShift returns the bucket offset shift for a = 2^k at the given scale:
// k*2^scale, which must be an integer and keep offsets within int32.
func (c *conversion) expShift(scale int32) (int64, bool) {
	if !c.isPow2 || scale < -10 || scale > 20 {
		return 0, false
	}
	k := int64(c.pow2)
	if scale >= 0 {
		return k << uint(scale), true
	}
	d := int64(1) << uint(-scale)
	if k%d != 0 {
		return 0, false
	}
	return k / d, true
}

// canConvertExpHistogram reports whether every point can be shifted exactly.
func (c *conversion) canConvertExpHistogram(dps pmetric.ExponentialHistogramDataPointSlice) bool {
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		s, ok := c.expShift(dp.Scale())
		if !ok {
			return false
		}
		for _, off := range []int64{int64(dp.Positive().Offset()), int64(dp.Negative().Offset())} {
			if n := off + s; n > math.MaxInt32 || n < math.MinInt32 {
				return false
			}
		}
	}
	return true
}

// convertExpHistogram shifts bucket offsets by k*2^scale and scales sum, min,
// max, zero threshold and exemplars. Call canConvertExpHistogram first.
func (c *conversion) convertExpHistogram(dps pmetric.ExponentialHistogramDataPointSlice) {
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		s, _ := c.expShift(dp.Scale())
		dp.Positive().SetOffset(dp.Positive().Offset() + int32(s))
		dp.Negative().SetOffset(dp.Negative().Offset() + int32(s))
		dp.SetZeroThreshold(c.scale(dp.ZeroThreshold()))
		convertSumMinMax(c, dp)
	}
}

// convertSummary scales quantile values and the sum; count and quantile
// levels are unchanged.
func (c *conversion) convertSummary(dps pmetric.SummaryDataPointSlice) {
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		dp.SetSum(c.scale(dp.Sum()))
		q := dp.QuantileValues()
		for j := 0; j < q.Len(); j++ {
			q.At(j).SetValue(c.scale(q.At(j).Value()))
		}
	}
}

// apply converts every point of m; it returns false (and changes nothing)
// when the metric cannot be converted exactly.
func (c *conversion) apply(m pmetric.Metric) bool {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		c.convertNumberPoints(m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		c.convertNumberPoints(m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		c.convertHistogram(m.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		if !c.canConvertExpHistogram(m.ExponentialHistogram().DataPoints()) {
			return false
		}
		c.convertExpHistogram(m.ExponentialHistogram().DataPoints())
	case pmetric.MetricTypeSummary:
		c.convertSummary(m.Summary().DataPoints())
	}
	return true
}
