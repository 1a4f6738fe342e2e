package semanticfindingsextension

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1_700_000_000, 0)

func finding(service, metric, rule string) Finding {
	return Finding{Service: service, Metric: metric, Unit: "ms", Rule: rule, Level: "violation", Action: "warn", Detail: "d"}
}

func TestStoreCountsAndSightings(t *testing.T) {
	s := NewStore(10, 1<<20)
	e := s.Record(finding("svc", "m", "r"), t0)
	assert.True(t, e.Seen(t0.Add(time.Second)))
	assert.Same(t, e, s.Record(finding("svc", "m", "r"), t0.Add(2*time.Second)), "same row for the same key")
	rows, evicted := s.Snapshot()
	require.Len(t, rows, 1)
	assert.Zero(t, evicted)
	assert.Equal(t, int64(3), rows[0].Count)
	assert.Equal(t, t0.UTC(), rows[0].FirstSeen)
	assert.Equal(t, t0.Add(2*time.Second).UTC(), rows[0].LastSeen)
}

// A full store evicts the rows seen least recently (a tenth at a time), and
// their holders learn it from Seen.
func TestStoreEvictsLeastRecentlySeen(t *testing.T) {
	s := NewStore(20, 1<<20)
	var entries []*Entry
	for i := range 20 {
		entries = append(entries, s.Record(finding("svc", fmt.Sprintf("m%02d", i), "r"), t0.Add(time.Duration(i)*time.Second)))
	}
	entries[0].Seen(t0.Add(time.Hour)) // m00 is now the most recent
	s.Record(finding("svc", "new", "r"), t0.Add(2*time.Hour))
	rows, evicted := s.Snapshot()
	assert.Len(t, rows, 19)
	assert.Equal(t, int64(2), evicted)
	assert.True(t, entries[0].Seen(t0), "recently seen row kept")
	assert.False(t, entries[1].Seen(t0), "oldest row evicted")
	assert.False(t, entries[2].Seen(t0), "second oldest row evicted")
	assert.True(t, entries[3].Seen(t0))
}

// Hostile names cannot grow a row past the field bounds, nor the store past
// its byte budget.
func TestStoreBounded(t *testing.T) {
	const budget = 1 << 16
	s := NewStore(1000, budget)
	long := strings.Repeat("é", 10000)
	for i := range 300 {
		f := finding(long, fmt.Sprintf("%d%s", i, long), "r")
		f.Detail, f.Normalize, f.Unit = long, long, long
		s.Record(f, t0)
	}
	rows, evicted := s.Snapshot()
	assert.Positive(t, evicted)
	s.mu.Lock()
	assert.LessOrEqual(t, s.bytes, budget)
	t.Logf("300 rows of 20 KB strings each field: %d kept, %d evicted, %d estimated bytes of a %d budget", len(rows), evicted, s.bytes, budget)
	s.mu.Unlock()
	for _, r := range rows {
		for _, field := range []string{r.Service, r.Metric, r.Unit} {
			assert.LessOrEqual(t, len(field), maxFieldBytes)
			assert.True(t, utf8.ValidString(field))
			assert.True(t, strings.HasSuffix(field, "…"))
		}
		assert.LessOrEqual(t, len(r.Detail), maxDetailBytes)
		assert.LessOrEqual(t, len(r.Normalize), maxDetailBytes)
	}
}

// The byte budget holds on the heap: rows at the field bounds cost no more
// than their estimate (rowOverhead covers the map slot and the Entry).
func TestStoreBytesEstimate(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewStore(defaultMaxEntries, defaultMaxBytes)
	field := strings.Repeat("x", maxFieldBytes)
	detail := strings.Repeat("d", maxDetailBytes)
	for i := range defaultMaxEntries {
		id := fmt.Sprintf("%08d", i)
		s.Record(Finding{Service: id + field, Metric: id + field, Unit: id + field, Rule: "name.format",
			Level: "violation", Action: "warn", Normalize: id + detail, Detail: id + detail}, t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	s.mu.Lock()
	estimate, rows := s.bytes, len(s.rows)
	s.mu.Unlock()
	t.Logf("%d rows at the field bounds: estimated %d bytes (budget %d), heap +%d bytes", rows, estimate, defaultMaxBytes, heap)
	assert.LessOrEqual(t, estimate, defaultMaxBytes)
	assert.LessOrEqual(t, heap, int64(estimate), "the estimate covers the heap")
	runtime.KeepAlive(s)
}
