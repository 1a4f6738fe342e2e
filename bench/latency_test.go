package bench

import (
	"math"
	"testing"
	"time"
)

func TestLatencyQuantiles(t *testing.T) {
	var h LatencyHistogram
	for i := 1; i <= 1000; i++ { // 1 ms .. 1000 ms
		h.Record(time.Duration(i) * time.Millisecond)
	}
	h.Record(-time.Second) // a clock step: counted, in the lowest bucket
	s := h.Snapshot()
	if s.Count() != 1001 {
		t.Fatalf("count %d", s.Count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, 1000 * time.Millisecond}} {
		got := s.Quantile(tc.q)
		if rel := math.Abs(float64(got-tc.want)) / float64(tc.want); rel > 0.03 {
			t.Errorf("q%.2f = %v, want %v ±3%%", tc.q, got, tc.want)
		}
	}
	if (LatencySnapshot{}).Quantile(0.5) != 0 {
		t.Error("empty histogram: quantile not 0")
	}
	var top LatencyHistogram
	top.Record(100 * time.Hour) // beyond the last bucket: clamped, not lost
	if top.Snapshot().Count() != 1 {
		t.Error("huge duration not counted")
	}
}
