package bench

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{3, 1, math.NaN(), 2})
	if s.Median != 2 || s.Min != 1 || s.Max != 3 || s.N != 3 {
		t.Errorf("odd: %+v", s)
	}
	s = Summarize([]float64{4, 1, 3, 2})
	if s.Median != 2.5 || s.N != 4 {
		t.Errorf("even: %+v", s)
	}
	if s := Summarize(nil); !math.IsNaN(s.Median) || s.N != 0 {
		t.Errorf("empty: %+v", s)
	}
}

func TestRatios(t *testing.T) {
	got := Ratios([]float64{2, 3, 10}, []float64{1, 0, 5, 7})
	if len(got) != 2 || got[0] != 2 || got[1] != 2 {
		t.Errorf("Ratios = %v", got)
	}
}
