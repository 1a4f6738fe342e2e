package deadletter

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testMaxBytes = 1 << 20

// openStore opens a store that the test closes at its end.
func openStore(t *testing.T, dir string, maxBytes int64) *Store {
	t.Helper()
	s, err := Open(dir, maxBytes)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Error(err)
		}
	})
	return s
}

// testEntry is entry n of a test, with distinct fields.
func testEntry(n int) Entry {
	return Entry{
		Payload:        fmt.Appendf(nil, "payload %d", n),
		Items:          n + 1,
		Status:         400 + n%100,
		Reason:         fmt.Sprintf("refused %d", n),
		KeyFingerprint: "sha256:abcd",
		Time:           time.Unix(1_700_000_000+int64(n), 123).UTC(),
		Attempts:       1,
	}
}

// putEntries puts testEntry(0..n-1) and returns their IDs.
func putEntries(t *testing.T, s *Store, n int) []ID {
	t.Helper()
	var ids []ID
	for i := range n {
		d, err := s.Put(testEntry(i))
		require.NoError(t, err)
		require.Zero(t, d)
		ids = append(ids, s.lastID())
	}
	return ids
}

// lastID is the ID of the newest entry.
func (s *Store) lastID() ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[len(s.ids)-1]
}

// scanAll returns every stored record, oldest first.
func scanAll(t *testing.T, s *Store) []Record {
	t.Helper()
	var rs []Record
	c := s.Scan()
	for c.Next() {
		rs = append(rs, c.Record())
	}
	require.NoError(t, c.Err())
	return rs
}

func entriesOf(rs []Record) []Entry {
	es := make([]Entry, len(rs))
	for i, r := range rs {
		es[i] = r.Entry
	}
	return es
}

func testEntries(n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = testEntry(i)
	}
	return es
}
