package obtraceexporter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// errDamagedQueueFile marks a queue file that cannot be used as it is (as
// opposed to one that cannot be read at all, or is locked).
var errDamagedQueueFile = errors.New("damaged")

// queueFileLockTimeout bounds the wait for the file's lock: a file locked by
// another collector on the same directory is reported, not waited for.
const queueFileLockTimeout = time.Second

// maxCheckErrors bounds the consistency errors reported for one file.
const maxCheckErrors = 3

// checkQueueFile checks the bbolt file at path without changing it. It
// returns nil when the file is absent or healthy, an error wrapping
// errDamagedQueueFile when it is empty or bbolt cannot open or verify it,
// and any other error when it cannot be checked.
//
// The file is opened read-only (so nothing is written, and a file locked by
// a running collector times out), its header's size is compared with the
// file's, every bucket, key and value is read, then bbolt's consistency check
// runs. That reads the whole file once: about as long as file_storage's own
// opening, which rebuilds its free list the same way.
func checkQueueFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // a new queue
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return fmt.Errorf("%w: not a regular file", errDamagedQueueFile)
	case info.Size() == 0:
		return fmt.Errorf("%w: it is empty (0 bytes; whatever it queued was lost before this start)", errDamagedQueueFile)
	}
	return verifyBoltFile(path, info.Size())
}

// verifyBoltFile runs the bbolt checks in a goroutine of its own: bbolt
// reports some damage by panicking, and a truncated memory-mapped file faults;
// SetPanicOnFault turns the fault into a panic, and recover into an error.
func verifyBoltFile(path string, size int64) error {
	result := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		var db *bbolt.DB
		defer func() {
			if r := recover(); r != nil {
				closeAfterPanic(db)
				result <- fmt.Errorf("%w: bbolt cannot read it (%v)", errDamagedQueueFile, r)
			}
		}()
		var err error
		db, err = bbolt.Open(path, 0, &bbolt.Options{ReadOnly: true, Timeout: queueFileLockTimeout})
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			result <- fmt.Errorf("it is locked by another process (another collector using the same storage directory?): %w", err)
			return
		case errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist):
			result <- err
			return
		case err != nil:
			result <- fmt.Errorf("%w: bbolt cannot open it (%w)", errDamagedQueueFile, err)
			return
		}
		err = db.View(func(tx *bbolt.Tx) error { return verifyBoltTx(tx, size) })
		_ = db.Close()
		result <- err
	}()
	return <-result
}

// verifyBoltTx checks the file's size against its header, reads every
// bucket, key and value, then runs bbolt's consistency check.
func verifyBoltTx(tx *bbolt.Tx, fileSize int64) error {
	if want := tx.Size(); want > fileSize {
		return fmt.Errorf("%w: it is %d bytes long but its header says %d: it was truncated", errDamagedQueueFile, fileSize, want)
	}
	if err := tx.ForEach(func(_ []byte, b *bbolt.Bucket) error { return readBucket(b) }); err != nil {
		return err
	}
	// Only now: the check rebuilds the free list in a goroutine bbolt starts,
	// where a panic could not be recovered; the reading above has already
	// touched every page it will touch.
	var errs []error
	for err := range tx.Check() {
		if len(errs) < maxCheckErrors {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: bbolt's consistency check fails: %w", errDamagedQueueFile, errors.Join(errs...))
	}
	return nil
}

// readBucket reads every key and value of b and its nested buckets (one byte
// per page of each value, which maps every page in).
func readBucket(b *bbolt.Bucket) error {
	var sum byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nested := b.Bucket(k); nested != nil {
				return readBucket(nested)
			}
			return nil
		}
		for i := 0; i < len(v); i += os.Getpagesize() {
			sum += v[i]
		}
		if len(v) > 0 {
			sum += v[len(v)-1]
		}
		return nil
	})
	runtime.KeepAlive(sum) // the reads must happen
	return err
}

// closeAfterPanic closes db after a panic while reading it; a second panic
// there is ignored (the file descriptor is then left to the process).
func closeAfterPanic(db *bbolt.DB) {
	if db == nil {
		return
	}
	defer func() { _ = recover() }()
	_ = db.Close()
}
