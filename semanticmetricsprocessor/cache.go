package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"strings"
	"sync"
	"sync/atomic"
)

// verdictCache is a size-capped map of verdicts, safe for concurrent use.
//
// Reads hit an immutable snapshot through an atomic pointer: no lock, no
// allocation. New verdicts go to a small mutex-protected dirty map that is
// folded into a fresh snapshot once it holds 1/8 of the snapshot's size
// (amortized O(1) per insert). The total never exceeds max entries: when
// full, arbitrary entries are evicted (Go map iteration order is
// randomized), so a stream of random names cannot grow memory.
type verdictCache struct {
	snap atomic.Pointer[map[cacheKey]*verdict]

	mu    sync.Mutex
	dirty map[cacheKey]*verdict
	max   int
}

func newVerdictCache(max int) *verdictCache {
	if max < 1 {
		max = 1
	}
	c := &verdictCache{dirty: map[cacheKey]*verdict{}, max: max}
	empty := map[cacheKey]*verdict{}
	c.snap.Store(&empty)
	return c
}

func (c *verdictCache) get(k cacheKey) (*verdict, bool) {
	if v, ok := (*c.snap.Load())[k]; ok {
		return v, true
	}
	c.mu.Lock()
	v, ok := c.dirty[k]
	c.mu.Unlock()
	return v, ok
}

func (c *verdictCache) put(k cacheKey, v *verdict) {
	// Keys outlive the pdata they came from: own the strings.
	k.name, k.unit = strings.Clone(k.name), strings.Clone(k.unit)
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := *c.snap.Load()
	if _, ok := snap[k]; ok {
		return
	}
	if _, ok := c.dirty[k]; !ok && len(snap)+len(c.dirty) >= c.max {
		// Full: evict from dirty first, else rebuild the snapshot without some entries.
		if len(c.dirty) > 0 {
			for old := range c.dirty {
				delete(c.dirty, old)
				break
			}
		} else {
			c.promoteLocked(snap, 1)
			snap = *c.snap.Load()
		}
	}
	c.dirty[k] = v
	if len(c.dirty) >= max(16, len(snap)/8) {
		c.promoteLocked(snap, 0)
	}
}

// promoteLocked publishes snap+dirty as the new snapshot, evicting evict
// arbitrary snapshot entries first.
func (c *verdictCache) promoteLocked(snap map[cacheKey]*verdict, evict int) {
	next := make(map[cacheKey]*verdict, len(snap)+len(c.dirty))
	for k, v := range snap {
		if evict > 0 {
			evict--
			continue
		}
		next[k] = v
	}
	for k, v := range c.dirty {
		next[k] = v
	}
	clear(c.dirty)
	c.snap.Store(&next)
}

func (c *verdictCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(*c.snap.Load()) + len(c.dirty)
}
