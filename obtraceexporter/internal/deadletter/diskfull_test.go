package deadletter

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullDisk is a file that fails like a full disk at write or at sync, after
// writing part of its data.
type fullDisk struct {
	*os.File
	failSync bool
}

func (f fullDisk) Write(b []byte) (int, error) {
	if f.failSync {
		return f.File.Write(b)
	}
	n, _ := f.File.Write(b[:len(b)/2])
	return n, syscall.ENOSPC
}

func (f fullDisk) Sync() error {
	if f.failSync {
		return syscall.EIO
	}
	return f.File.Sync()
}

func TestFullDiskLosesNothingStored(t *testing.T) {
	for _, failSync := range []bool{false, true} {
		dir := t.TempDir()
		s := openStore(t, dir, 3*blockSize)
		putEntries(t, s, 3)
		s.createFile = func(path string) (writableFile, error) {
			f, err := os.Create(path)
			return fullDisk{File: f, failSync: failSync}, err
		}

		// The store is full, so this Put would drop the oldest if it were written.
		dropped, err := s.Put(testEntry(3))
		require.Error(t, err)
		if !failSync {
			require.ErrorIs(t, err, syscall.ENOSPC)
		}
		assert.Zero(t, dropped)
		_, err = s.MarkFailed(s.lastID(), 500, "again")
		require.Error(t, err)

		assert.Equal(t, testEntries(3), entriesOf(scanAll(t, s)))
		entries, _, _ := s.Stats()
		assert.Equal(t, int64(3), entries)
		temps, err := filepath.Glob(filepath.Join(dir, "*"+tempSuffix))
		require.NoError(t, err)
		assert.Empty(t, temps)

		require.NoError(t, s.Close())
		s = openStore(t, dir, 3*blockSize)
		assert.Zero(t, s.Recovery())
		assert.Equal(t, testEntries(3), entriesOf(scanAll(t, s)))
	}
}
