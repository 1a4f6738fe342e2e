package ucum

import "sync"

// Budget of the parse cache. Units come from telemetry, so random strings
// must not grow memory: the cache stores results until it holds maxEntries
// or its estimated size reaches maxBytes, then computes without storing.
// Past the bound a lookup costs one parse of at most MaxExpressionBytes.
const (
	cacheMaxEntries = 4096
	cacheMaxBytes   = 1 << 20
	// entryOverhead is a rough per-entry cost of the sync.Map node, the key
	// and value headers and the big.Rat structures.
	entryOverhead = 192
)

// fillOnceCache is a sync.Map that stops storing at its budget. Reads are
// lock-free and never allocate; entries are never evicted. Stores (cache
// misses) take a mutex so the budget is exact.
type fillOnceCache struct {
	m sync.Map

	mu             sync.Mutex
	entries, bytes int
}

func (c *fillOnceCache) load(k any) (any, bool) { return c.m.Load(k) }

// store keeps v when the entry fits the budget; size is its estimated bytes
// without entryOverhead.
func (c *fillOnceCache) store(k, v any, size int) {
	size += entryOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries >= cacheMaxEntries || c.bytes+size > cacheMaxBytes {
		return
	}
	if _, loaded := c.m.LoadOrStore(k, v); !loaded {
		c.entries++
		c.bytes += size
	}
}

// usage reports the entries and estimated bytes stored.
func (c *fillOnceCache) usage() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries, c.bytes
}
