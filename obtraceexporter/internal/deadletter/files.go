package deadletter

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// One file per entry: <id as 16 hex digits>.dlq, written as <id>.tmp and
// renamed into place.
const (
	entrySuffix = ".dlq"
	tempSuffix  = ".tmp"
	lockName    = "LOCK"

	dirPerm  = 0o700
	filePerm = 0o600

	// blockSize is what a file is charged on disk: its size rounded up to a
	// block, as common file systems allocate it.
	blockSize = 4096
)

// writableFile is what an entry is written through; tests swap createFile to
// fail like a full disk.
type writableFile interface {
	io.Writer
	Sync() error
	Close() error
}

func createFile(path string) (writableFile, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
}

func entryName(id ID) string { return fmt.Sprintf("%016x%s", uint64(id), entrySuffix) }

// parseEntryName returns the ID an entry or temp file name carries.
func parseEntryName(name, suffix string) (ID, bool) {
	hex, ok := strings.CutSuffix(name, suffix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 64)
	return ID(n), err == nil && n != 0
}

func diskBytes(size int64) int64 { return (size + blockSize - 1) / blockSize * blockSize }

// writeEntryFile makes data the content of entry id durably: it writes and
// fsyncs a temp file, renames it over the entry's name and fsyncs the
// directory, so after a crash the entry is either whole or as it was before.
func (s *Store) writeEntryFile(id ID, data []byte) error {
	final := filepath.Join(s.dir, entryName(id))
	temp := strings.TrimSuffix(final, entrySuffix) + tempSuffix
	f, err := s.createFile(temp)
	if err != nil {
		return fmt.Errorf("dead-letter entry %d: %w", id, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(temp, final)
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		_ = os.Remove(temp)
		return fmt.Errorf("dead-letter entry %d: %w", id, err)
	}
	return nil
}

// readEntryFile reads and decodes entry id, refusing a file beyond the
// format's bound before reading it.
func (s *Store) readEntryFile(id ID) (Record, int64, error) {
	f, err := os.Open(filepath.Join(s.dir, entryName(id)))
	if err != nil {
		return Record{}, 0, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	info, err := f.Stat()
	if err != nil {
		return Record{}, 0, err
	}
	if info.Size() > maxFileSize {
		return Record{}, info.Size(), fmt.Errorf("%w: %d bytes, the bound is %d", errDamaged, info.Size(), maxFileSize)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return Record{}, info.Size(), err
	}
	r, err := decode(data)
	if err == nil && r.ID != id {
		err = fmt.Errorf("%w: holds entry %d", errDamaged, r.ID)
	}
	return r, info.Size(), err
}

// removeEntryFile deletes entry id; a file already gone counts as removed.
func (s *Store) removeEntryFile(id ID) error {
	err := os.Remove(filepath.Join(s.dir, entryName(id)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// syncDir makes renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
