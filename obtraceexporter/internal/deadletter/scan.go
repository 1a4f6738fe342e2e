package deadletter

import (
	"errors"
	"io/fs"
	"slices"
)

// Cursor iterates over the entries stored when Scan was called, oldest first:
//
//	c := store.Scan()
//	for c.Next() {
//		r := c.Record()
//		...
//	}
//	err := c.Err()
//
// Entries acknowledged or dropped meanwhile are skipped; an entry changed by
// MarkFailed is read as it is when Next reaches it. A Cursor is for one
// goroutine; many cursors may run at once.
type Cursor struct {
	s       *Store
	ids     []ID
	record  Record
	err     error
	damaged DropReport
}

// Scan returns a cursor over the stored entries.
func (s *Store) Scan() *Cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &Cursor{err: ErrClosed}
	}
	return &Cursor{s: s, ids: slices.Clone(s.ids)}
}

// Next reads the next entry, and reports whether there is one. A file that
// no longer decodes (the disk changed it since Open) is removed, counted in
// Damaged, and skipped.
func (c *Cursor) Next() bool {
	for c.err == nil && len(c.ids) > 0 {
		id := c.ids[0]
		c.ids = c.ids[1:]
		r, damaged, err := c.s.readStored(id)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			c.err = err
			return false
		case damaged.Entries > 0:
			c.damaged.add(damaged)
			continue
		}
		c.record = r
		return true
	}
	return false
}

// Record returns the entry Next read. Its payload is the caller's.
func (c *Cursor) Record() Record { return c.record }

// Err returns the error that ended the iteration, if any.
func (c *Cursor) Err() error { return c.err }

// Damaged counts the entries Next removed because their files no longer decode.
func (c *Cursor) Damaged() DropReport { return c.damaged }

// readStored reads entry id if it is still stored. It holds the lock while it
// reads so no MarkFailed or Ack comes between the read and a removal of a
// damaged file.
func (s *Store) readStored(id ID) (Record, DropReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Record{}, DropReport{}, ErrClosed
	}
	st, ok := s.index[id]
	if !ok {
		return Record{}, DropReport{}, ErrNotFound
	}
	r, _, err := s.readEntryFile(id)
	if !errors.Is(err, errDamaged) {
		return r, DropReport{}, err
	}
	if rerr := s.removeEntryFile(id); rerr != nil {
		return Record{}, DropReport{}, rerr
	}
	s.remove(id)
	_ = syncDir(s.dir) // unsynced, Open finds the file damaged again and drops it
	return Record{}, DropReport{Entries: 1, Items: st.items, Bytes: st.bytes}, nil
}
