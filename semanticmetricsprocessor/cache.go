package semanticmetricsprocessor

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// verdictCacheMaxBytes is the byte budget of the verdict cache (estimated,
// see entryBytes), on top of the cache_size entry bound: whichever is
// reached first evicts.
const verdictCacheMaxBytes = 32 << 20

// verdictCache is a size-capped map of verdicts, safe for concurrent use.
//
// Reads hit an immutable snapshot through an atomic pointer: no lock, no
// allocation. New verdicts go to a small mutex-protected dirty map that is
// folded into a fresh snapshot once it holds 1/8 of the snapshot's size
// (amortized O(1) per insert). The total never exceeds max entries nor
// maxBytes: when full, arbitrary entries are evicted (Go map iteration
// order is randomized), so a stream of random names cannot grow memory.
type verdictCache struct {
	snap atomic.Pointer[map[cacheKey]*verdict]

	mu       sync.Mutex
	dirty    map[cacheKey]*verdict
	max      int
	maxBytes int
	bytes    int // entryBytes of every entry in snap and dirty
}

func newVerdictCache(maxEntries, maxBytes int) *verdictCache {
	if maxEntries < 1 {
		maxEntries = 1
	}
	c := &verdictCache{dirty: map[cacheKey]*verdict{}, max: maxEntries, maxBytes: maxBytes}
	empty := map[cacheKey]*verdict{}
	c.snap.Store(&empty)
	return c
}

// cacheEntryOverhead is a rough cost of one entry in both maps (key and
// value slots, string headers, the snapshot copy's share).
const cacheEntryOverhead = 128

func entryBytes(k cacheKey, v *verdict) int {
	return cacheEntryOverhead + len(k.name) + len(k.unit) + v.bytes()
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
	size := entryBytes(k, v)
	if size > c.maxBytes {
		return
	}
	// Keys outlive the pdata they came from: own the strings.
	k.name, k.unit = strings.Clone(k.name), strings.Clone(k.unit)
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := *c.snap.Load()
	if _, ok := snap[k]; ok {
		return
	}
	if old, ok := c.dirty[k]; ok {
		c.bytes -= entryBytes(k, old)
		delete(c.dirty, k)
	}
	// Full: evict from dirty first, else rebuild the snapshot without some entries.
	for c.full(snap, size) && len(c.dirty) > 0 {
		for old, ov := range c.dirty {
			c.bytes -= entryBytes(old, ov)
			delete(c.dirty, old)
			break
		}
	}
	if c.full(snap, size) {
		c.promoteLocked(snap, size)
		snap = *c.snap.Load()
	}
	c.dirty[k] = v
	c.bytes += size
	if len(c.dirty) >= max(16, len(snap)/8) {
		c.promoteLocked(snap, 0)
	}
}

// full reports whether an entry of size bytes does not fit next to snap and dirty.
func (c *verdictCache) full(snap map[cacheKey]*verdict, size int) bool {
	return len(snap)+len(c.dirty) >= c.max || c.bytes+size > c.maxBytes
}

// promoteLocked publishes snap+dirty as the new snapshot, first evicting
// arbitrary snapshot entries until an entry of room bytes fits (room 0: no
// eviction).
func (c *verdictCache) promoteLocked(snap map[cacheKey]*verdict, room int) {
	next := make(map[cacheKey]*verdict, len(snap)+len(c.dirty))
	evicted := 0
	for k, v := range snap {
		if room > 0 && (len(snap)-evicted+len(c.dirty) >= c.max || c.bytes+room > c.maxBytes) {
			evicted++
			c.bytes -= entryBytes(k, v)
			continue
		}
		next[k] = v
	}
	maps.Copy(next, c.dirty)
	clear(c.dirty)
	c.snap.Store(&next)
}

// usage reports the entries and estimated bytes held.
func (c *verdictCache) usage() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(*c.snap.Load()) + len(c.dirty), c.bytes
}

func (c *verdictCache) len() int {
	n, _ := c.usage()
	return n
}
