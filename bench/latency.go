package bench

import (
	"math"
	"sync/atomic"
	"time"
)

// LatencyHistogram counts durations in fixed logarithmic buckets: 16 per
// doubling from 1 µs (each about 4.4% wide, so a quantile is within about 2.2%
// of the true value), up to about 18 minutes. Memory is fixed and recording is
// one atomic add, so the sink can record every request it receives.
type LatencyHistogram struct {
	counts [latencyBuckets]atomic.Int64
}

const (
	bucketsPerDoubling = 16
	latencyBuckets     = 30 * bucketsPerDoubling
	latencyBase        = time.Microsecond
)

func latencyBucket(d time.Duration) int {
	if d < latencyBase {
		return 0
	}
	i := int(math.Log2(float64(d)/float64(latencyBase)) * bucketsPerDoubling)
	return min(i, latencyBuckets-1)
}

// Record counts one duration (negative ones, from clock steps, count as 0).
func (h *LatencyHistogram) Record(d time.Duration) { h.counts[latencyBucket(d)].Add(1) }

// Snapshot copies the counts.
func (h *LatencyHistogram) Snapshot() LatencySnapshot {
	var s LatencySnapshot
	for i := range h.counts {
		s.counts[i] = h.counts[i].Load()
	}
	return s
}

// LatencySnapshot is a copy of a LatencyHistogram's counts.
type LatencySnapshot struct {
	counts [latencyBuckets]int64
}

// Count is the number of durations recorded.
func (s LatencySnapshot) Count() int64 {
	var n int64
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Quantile returns the q-quantile (0 < q ≤ 1) as the geometric middle of its
// bucket, or 0 when nothing was recorded.
func (s LatencySnapshot) Quantile(q float64) time.Duration {
	total := s.Count()
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i, c := range s.counts {
		seen += c
		if seen >= max(rank, 1) {
			mid := math.Exp2((float64(i) + 0.5) / bucketsPerDoubling)
			return time.Duration(mid * float64(latencyBase))
		}
	}
	return 0
}
