package deadletter

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

var (
	// ErrClosed is returned by every operation on a closed store.
	ErrClosed = errors.New("dead-letter store closed")
	// ErrNotFound is returned by MarkFailed for an entry no longer stored.
	ErrNotFound = errors.New("dead-letter entry not found")
)

// Store is the dead-letter queue of one exporter signal, kept in one
// directory. It is safe for concurrent use.
type Store struct {
	dir        string
	maxBytes   int64
	lock       *dirLock
	recovery   Recovery
	createFile func(path string) (writableFile, error)
	now        func() time.Time

	mu     sync.Mutex
	closed bool
	ids    []ID // ascending, so oldest first
	index  map[ID]stored
	next   ID
	items  int64
	bytes  int64
}

// stored is what the store keeps in memory of an entry: enough to count it.
type stored struct {
	items int64
	bytes int64 // disk bytes
}

// Open opens, or creates, the store in dir, bounded by maxBytes of disk, and
// recovers it after a crash: see Recovery for what recovery drops.
func Open(dir string, maxBytes int64) (*Store, error) {
	if maxBytes < blockSize {
		return nil, fmt.Errorf("dead-letter store maximum %d bytes is below one entry (%d bytes); raise it", maxBytes, blockSize)
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("dead-letter directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir: lock.dir, maxBytes: maxBytes, lock: lock,
		createFile: createFile, now: time.Now,
		index: map[ID]stored{}, next: 1,
	}
	if err := s.recover(); err != nil {
		_ = lock.release()
		return nil, fmt.Errorf("dead-letter directory %s: %w", dir, err)
	}
	return s, nil
}

// Recovery returns what Open dropped from the directory.
func (s *Store) Recovery() Recovery { return s.recovery }

// Put stores e durably before it returns. To keep within maxBytes it drops the
// oldest entries, and says which in dropped. An entry that cannot fit at all
// is refused with ErrTooLarge. An error means e is not stored and nothing
// stored before is lost.
func (s *Store) Put(e Entry) (dropped DropReport, err error) {
	e, err = normalized(e, s.now())
	if err != nil {
		return DropReport{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return DropReport{}, ErrClosed
	}
	id := s.next
	data := encode(id, e)
	size := diskBytes(int64(len(data)))
	if size > s.maxBytes {
		return DropReport{}, fmt.Errorf("%w: %d disk bytes, the store holds %d", ErrTooLarge, size, s.maxBytes)
	}
	// Written before anything is dropped, so a failed write loses nothing.
	if err := s.writeEntryFile(id, data); err != nil {
		_ = s.removeEntryFile(id)
		return DropReport{}, err
	}
	s.next++
	s.set(id, stored{items: int64(e.Items), bytes: size})
	return s.dropOldest(id), nil
}

// Ack removes delivered entries durably. IDs no longer stored are ignored.
func (s *Store) Ack(ids ...ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var errs []error
	removed := false
	for _, id := range ids {
		if _, ok := s.index[id]; !ok {
			continue
		}
		if err := s.removeEntryFile(id); err != nil {
			errs = append(errs, err)
			continue
		}
		s.remove(id)
		removed = true
	}
	if removed {
		errs = append(errs, syncDir(s.dir))
	}
	return errors.Join(errs...)
}

// MarkFailed leaves entry id in place after another refused send: it counts
// the attempt and records the refusal's status and reason. A longer reason
// can make the store drop older entries, reported in dropped.
func (s *Store) MarkFailed(id ID, status int, reason string) (dropped DropReport, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return DropReport{}, ErrClosed
	}
	if _, ok := s.index[id]; !ok {
		return DropReport{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	r, _, err := s.readEntryFile(id)
	if err != nil {
		return DropReport{}, fmt.Errorf("dead-letter entry %d: %w", id, err)
	}
	r.Attempts++
	r.Status, r.Reason = status, reason
	e, err := normalized(r.Entry, s.now())
	if err != nil {
		return DropReport{}, err
	}
	data := encode(id, e)
	if diskBytes(int64(len(data))) > s.maxBytes {
		return DropReport{}, fmt.Errorf("%w: entry %d with the new reason no longer fits", ErrTooLarge, id)
	}
	// On failure the file holds the old or the new entry, both whole.
	if err := s.writeEntryFile(id, data); err != nil {
		return DropReport{}, err
	}
	s.set(id, stored{items: int64(e.Items), bytes: diskBytes(int64(len(data)))})
	return s.dropOldest(id), nil
}

// Stats returns what the store holds, for self-metrics.
func (s *Store) Stats() (entries, items, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.ids)), s.items, s.bytes
}

// Close releases the directory. Stored entries stay for the next Open.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	return s.lock.release()
}

// dropOldest removes the oldest entries, never keep, until the store is within
// maxBytes. An entry whose file cannot be removed stays stored and counted;
// the next call tries again.
func (s *Store) dropOldest(keep ID) DropReport {
	var d DropReport
	for i := 0; s.bytes > s.maxBytes && i < len(s.ids); {
		id := s.ids[i]
		if id == keep || s.removeEntryFile(id) != nil {
			i++
			continue
		}
		st := s.index[id]
		d.add(DropReport{Entries: 1, Items: st.items, Bytes: st.bytes})
		s.remove(id)
	}
	if d.Entries > 0 {
		// A crash before this sync brings dropped files back; Open drops them again.
		_ = syncDir(s.dir)
	}
	return d
}

// set stores or replaces what is counted of entry id.
func (s *Store) set(id ID, st stored) {
	if old, ok := s.index[id]; ok {
		s.items -= old.items
		s.bytes -= old.bytes
	} else if i, found := slices.BinarySearch(s.ids, id); !found {
		s.ids = slices.Insert(s.ids, i, id)
	}
	s.index[id] = st
	s.items += st.items
	s.bytes += st.bytes
}

func (s *Store) remove(id ID) {
	st := s.index[id]
	if i, ok := slices.BinarySearch(s.ids, id); ok {
		s.ids = slices.Delete(s.ids, i, i+1)
	}
	delete(s.index, id)
	s.items -= st.items
	s.bytes -= st.bytes
}
