package deadletter

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Recovery says what Open dropped from the directory, so the caller can count
// and log it.
type Recovery struct {
	// Damaged entry files: torn or corrupt, so their items are unknown.
	Damaged      int64
	DamagedBytes int64
	// Unfinished writes: temp files of a Put or MarkFailed cut short by a
	// crash. A cut Put never returned, so its caller never counted it stored;
	// a cut MarkFailed left the entry as it was.
	Unfinished      int64
	UnfinishedBytes int64
	// OverBudget: the oldest entries dropped to fit maxBytes, e.g. after it
	// was lowered or a crash came between a Put and its drops.
	OverBudget DropReport
}

// recover loads the directory into s: it keeps every whole entry and removes
// damaged and temp files, counting them in s.recovery.
func (s *Store) recover() error {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	removed := false
	for _, de := range des {
		name := de.Name()
		if _, ok := parseEntryName(name, tempSuffix); ok {
			size, err := s.removeFile(name)
			if err != nil {
				return err
			}
			s.recovery.Unfinished++
			s.recovery.UnfinishedBytes += size
			removed = true
			continue
		}
		id, ok := parseEntryName(name, entrySuffix)
		if !ok {
			continue // not ours (LOCK, an operator's note): left alone
		}
		r, size, err := s.readEntryFile(id)
		if errors.Is(err, errDamaged) {
			if _, err := s.removeFile(name); err != nil {
				return err
			}
			s.recovery.Damaged++
			s.recovery.DamagedBytes += diskBytes(size)
			removed = true
			continue
		}
		if err != nil {
			return err
		}
		s.set(id, stored{items: int64(r.Items), bytes: diskBytes(size)})
		s.next = max(s.next, id+1)
	}
	if removed {
		if err := syncDir(s.dir); err != nil {
			return err
		}
	}
	s.recovery.OverBudget = s.dropOldest(0)
	return nil
}

// removeFile removes a file of the directory and returns its size.
func (s *Store) removeFile(name string) (int64, error) {
	path := filepath.Join(s.dir, name)
	var size int64
	if info, err := os.Lstat(path); err == nil {
		size = info.Size()
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	return size, nil
}
