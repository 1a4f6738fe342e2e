package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"strings"
	"sync"
)

// verdictCache is a size-capped map of verdicts, safe for concurrent use. A
// hit takes a read lock and a map lookup and allocates nothing. When full, an
// insert evicts one arbitrary entry (Go map iteration order is randomized), so
// a stream of random names cannot grow memory beyond max entries.
type verdictCache struct {
	mu  sync.RWMutex
	m   map[cacheKey]*verdict
	max int
}

func newVerdictCache(max int) *verdictCache {
	if max < 1 {
		max = 1
	}
	return &verdictCache{m: make(map[cacheKey]*verdict, min(max, 1024)), max: max}
}

func (c *verdictCache) get(k cacheKey) (*verdict, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *verdictCache) put(k cacheKey, v *verdict) {
	// Keys outlive the pdata they came from: own the strings.
	k.name, k.unit = strings.Clone(k.name), strings.Clone(k.unit)
	c.mu.Lock()
	if _, ok := c.m[k]; !ok {
		for len(c.m) >= c.max {
			for old := range c.m {
				delete(c.m, old)
				break
			}
		}
	}
	c.m[k] = v
	c.mu.Unlock()
}

func (c *verdictCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
