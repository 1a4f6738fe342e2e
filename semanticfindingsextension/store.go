package semanticfindingsextension

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Finding is one rule's finding on one metric of one service, as the
// semanticmetrics processor reports it. Every field but the rule, level and
// action comes from a client's telemetry and is bounded by the store.
type Finding struct {
	Service string
	Metric  string // as received, before any rename
	Unit    string // as received
	Rule    string
	Level   string // violation, improvement or information
	Action  string // what the processor did: warn, annotate, normalize or drop
	// Normalize is what the normalize action does (or, under another action,
	// would do) about this finding, e.g. "rename to x; unit s; values ×0.001".
	// Empty: normalize has no fix for it.
	Normalize string
	Detail    string // what is wrong and the suggested fix
}

// Bounds on the strings a row keeps (the processor's log field bounds).
const (
	maxFieldBytes  = 256
	maxDetailBytes = 512
	// rowOverhead estimates a row's heap beyond its strings (map slot and
	// key, Entry; TestStoreBytesEstimate checks it against the heap).
	rowOverhead = 384
)

type rowKey struct{ service, metric, unit, rule string }

// Entry is a row of the store: a Finding with its count and first and last
// sightings. The processor keeps the Entry of each finding it recorded and
// counts further sightings on it (Seen) without a map lookup or allocation.
type Entry struct {
	finding Finding
	size    int
	first   int64 // unix nanoseconds
	last    atomic.Int64
	count   atomic.Int64
	evicted atomic.Bool
}

// Seen counts one more sighting at now. It returns false when the row has
// been evicted: the caller records the finding again.
func (e *Entry) Seen(now time.Time) bool {
	e.count.Add(1)
	e.last.Store(now.UnixNano())
	return !e.evicted.Load()
}

// Store holds the findings shown by the page, bounded in rows and bytes.
type Store struct {
	maxEntries, maxBytes int

	mu      sync.Mutex
	rows    map[rowKey]*Entry
	bytes   int
	evicted int64 // rows evicted since start
}

// NewStore returns a store of at most maxEntries rows and about maxBytes.
func NewStore(maxEntries, maxBytes int) *Store {
	return &Store{maxEntries: maxEntries, maxBytes: maxBytes, rows: map[rowKey]*Entry{}}
}

// Record counts one sighting of f at now and returns its row, created on the
// first sighting (when the store is full, the tenth of the rows seen least
// recently is evicted first).
func (s *Store) Record(f Finding, now time.Time) *Entry {
	f.Service = bound(f.Service, maxFieldBytes)
	f.Metric = bound(f.Metric, maxFieldBytes)
	f.Unit = bound(f.Unit, maxFieldBytes)
	f.Rule = bound(f.Rule, maxFieldBytes)
	k := rowKey{f.Service, f.Metric, f.Unit, f.Rule}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rows[k]; e != nil {
		e.Seen(now)
		return e
	}
	f = Finding{
		Service: strings.Clone(f.Service), Metric: strings.Clone(f.Metric), Unit: strings.Clone(f.Unit),
		Rule: strings.Clone(f.Rule), Level: bound(f.Level, maxFieldBytes), Action: bound(f.Action, maxFieldBytes),
		Normalize: strings.Clone(bound(f.Normalize, maxDetailBytes)), Detail: strings.Clone(bound(f.Detail, maxDetailBytes)),
	}
	size := rowOverhead + len(f.Service) + len(f.Metric) + len(f.Unit) + len(f.Rule) + len(f.Level) +
		len(f.Action) + len(f.Normalize) + len(f.Detail)
	if len(s.rows) >= s.maxEntries || s.bytes+size > s.maxBytes {
		s.evictLocked(size)
	}
	e := &Entry{finding: f, size: size, first: now.UnixNano()}
	e.last.Store(e.first)
	e.count.Store(1)
	s.rows[rowKey{f.Service, f.Metric, f.Unit, f.Rule}] = e
	s.bytes += size
	return e
}

// evictLocked removes the rows seen least recently: at least a tenth of them
// (so that a full store sorts once per tenth of its size in new rows, not once
// per row), and as many as needed for size more bytes.
func (s *Store) evictLocked(size int) {
	all := make([]*Entry, 0, len(s.rows))
	for _, e := range s.rows {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *Entry) int { return cmp.Compare(a.last.Load(), b.last.Load()) })
	n := max(len(all)/10, 1)
	for i, e := range all {
		if i >= n && len(s.rows) < s.maxEntries && s.bytes+size <= s.maxBytes {
			break
		}
		f := &e.finding
		delete(s.rows, rowKey{f.Service, f.Metric, f.Unit, f.Rule})
		s.bytes -= e.size
		e.evicted.Store(true)
		s.evicted++
	}
}

// Row is one finding as the page and the JSON form show it.
type Row struct {
	Service   string    `json:"service"`
	Metric    string    `json:"metric"`
	Unit      string    `json:"unit"`
	Rule      string    `json:"rule"`
	Level     string    `json:"level"`
	Action    string    `json:"action"`
	Normalize string    `json:"normalize"`
	Detail    string    `json:"detail"`
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Snapshot returns a copy of every row, and the number of rows evicted since start.
func (s *Store) Snapshot() (rows []Row, evicted int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows = make([]Row, 0, len(s.rows))
	for _, e := range s.rows {
		f := &e.finding
		rows = append(rows, Row{
			Service: f.Service, Metric: f.Metric, Unit: f.Unit, Rule: f.Rule, Level: f.Level, Action: f.Action,
			Normalize: f.Normalize, Detail: f.Detail, Count: e.count.Load(),
			FirstSeen: time.Unix(0, e.first).UTC(), LastSeen: time.Unix(0, e.last.Load()).UTC(),
		})
	}
	return rows, s.evicted
}

// bound cuts s to at most limit bytes on a UTF-8 boundary, marking the cut with "…".
func bound(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit-len("…")], "") + "…"
}
