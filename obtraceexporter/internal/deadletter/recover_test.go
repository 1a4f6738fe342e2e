package deadletter

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeWithLastFile leaves a closed store of three entries in a new directory
// and returns it with the newest entry's file and that file's bytes.
func storeWithLastFile(t *testing.T) (dir, last string, data []byte) {
	t.Helper()
	dir = t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	putEntries(t, s, 3)
	last = filepath.Join(dir, entryName(s.lastID()))
	require.NoError(t, s.Close())
	data, err := os.ReadFile(last)
	require.NoError(t, err)
	return dir, last, data
}

// reopenKeepsEarlier reopens dir and checks that the two earlier entries
// survived and the last one was reported damaged and removed.
func reopenKeepsEarlier(t *testing.T, dir, last string) {
	t.Helper()
	s, err := Open(dir, testMaxBytes)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	assert.Equal(t, int64(1), s.Recovery().Damaged)
	assert.Equal(t, testEntries(2), entriesOf(scanAll(t, s)))
	assert.NoFileExists(t, last)
	entries, items, _ := s.Stats()
	assert.Equal(t, [2]int64{2, 1 + 2}, [2]int64{entries, items})
}

func TestRecoveryFromTornLastEntry(t *testing.T) {
	dir, last, data := storeWithLastFile(t)
	for n := range len(data) {
		require.NoError(t, os.WriteFile(last, data[:n], filePerm))
		reopenKeepsEarlier(t, dir, last)
	}
}

func TestRecoveryFromCorruptLastEntry(t *testing.T) {
	dir, last, data := storeWithLastFile(t)
	for i := range data {
		corrupt := append([]byte(nil), data...)
		corrupt[i] ^= 0x5a
		require.NoError(t, os.WriteFile(last, corrupt, filePerm))
		reopenKeepsEarlier(t, dir, last)
	}
	// Whole but under the name of another entry.
	require.NoError(t, os.WriteFile(filepath.Join(dir, entryName(99)), data, filePerm))
	reopenKeepsEarlier(t, dir, filepath.Join(dir, entryName(99)))
}

func TestRecoveryRemovesUnfinishedWrites(t *testing.T) {
	dir, last, data := storeWithLastFile(t)
	temp := filepath.Join(dir, "00000000000000ff"+tempSuffix)
	require.NoError(t, os.WriteFile(temp, data[:10], filePerm))
	other := filepath.Join(dir, "README")
	require.NoError(t, os.WriteFile(other, nil, filePerm))

	s := openStore(t, dir, testMaxBytes)
	assert.Equal(t, Recovery{Unfinished: 1, UnfinishedBytes: 10}, s.Recovery())
	assert.Equal(t, testEntries(3), entriesOf(scanAll(t, s)))
	assert.NoFileExists(t, temp)
	assert.FileExists(t, other, "files not the store's are left alone")
	assert.FileExists(t, last)
}

func TestRecoveryDropsOldestPastLoweredBound(t *testing.T) {
	dir, _, _ := storeWithLastFile(t)
	s := openStore(t, dir, 2*blockSize)
	assert.Equal(t, DropReport{Entries: 1, Items: 1, Bytes: blockSize}, s.Recovery().OverBudget)
	assert.Equal(t, testEntries(3)[1:], entriesOf(scanAll(t, s)))
}

func TestScanDropsFileDamagedAfterOpen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	ids := putEntries(t, s, 3)
	require.NoError(t, os.WriteFile(filepath.Join(dir, entryName(ids[1])), []byte("rot"), filePerm))

	c := s.Scan()
	var got []Entry
	for c.Next() {
		got = append(got, c.Record().Entry)
	}
	require.NoError(t, c.Err())
	assert.Equal(t, []Entry{testEntry(0), testEntry(2)}, got)
	assert.Equal(t, DropReport{Entries: 1, Items: 2, Bytes: blockSize}, c.Damaged())
	entries, _, _ := s.Stats()
	assert.Equal(t, int64(2), entries)
}
