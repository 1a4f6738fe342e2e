package deadletter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPutScanAck(t *testing.T) {
	s := openStore(t, t.TempDir(), testMaxBytes)
	ids := putEntries(t, s, 3)
	assert.Equal(t, testEntries(3), entriesOf(scanAll(t, s)))
	entries, items, bytes := s.Stats()
	assert.Equal(t, [3]int64{3, 1 + 2 + 3, 3 * blockSize}, [3]int64{entries, items, bytes})

	require.NoError(t, s.Ack(ids[1], ids[1], 999))
	assert.Equal(t, []Entry{testEntry(0), testEntry(2)}, entriesOf(scanAll(t, s)))
	entries, items, bytes = s.Stats()
	assert.Equal(t, [3]int64{2, 1 + 3, 2 * blockSize}, [3]int64{entries, items, bytes})
}

func TestReopenKeepsEntriesInOrderAndAckedStayGone(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	ids := putEntries(t, s, 5)
	require.NoError(t, s.Ack(ids[0], ids[3]))
	require.NoError(t, s.Close())

	s = openStore(t, dir, testMaxBytes)
	assert.Zero(t, s.Recovery())
	want := []Entry{testEntry(1), testEntry(2), testEntry(4)}
	assert.Equal(t, want, entriesOf(scanAll(t, s)))

	// New entries come after the recovered ones.
	_, err := s.Put(testEntry(5))
	require.NoError(t, err)
	assert.Equal(t, append(want, testEntry(5)), entriesOf(scanAll(t, s)))
}

func TestFullStoreDropsOldestFirst(t *testing.T) {
	s := openStore(t, t.TempDir(), 3*blockSize)
	putEntries(t, s, 3)

	dropped, err := s.Put(testEntry(3))
	require.NoError(t, err)
	assert.Equal(t, DropReport{Entries: 1, Items: 1, Bytes: blockSize}, dropped)

	// An entry of two blocks makes room by dropping the next two oldest.
	big := testEntry(4)
	big.Payload = make([]byte, blockSize)
	dropped, err = s.Put(big)
	require.NoError(t, err)
	assert.Equal(t, DropReport{Entries: 2, Items: 2 + 3, Bytes: 2 * blockSize}, dropped)
	assert.Equal(t, []Entry{testEntry(3), big}, entriesOf(scanAll(t, s)))
	_, _, bytes := s.Stats()
	assert.Equal(t, int64(3*blockSize), bytes)
}

func TestEntryLargerThanStoreIsRefused(t *testing.T) {
	s := openStore(t, t.TempDir(), 2*blockSize)
	putEntries(t, s, 1)
	big := testEntry(1)
	big.Payload = make([]byte, 2*blockSize)
	dropped, err := s.Put(big)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Zero(t, dropped)
	assert.Equal(t, testEntries(1), entriesOf(scanAll(t, s)), "a refused entry drops nothing")

	big.Payload = make([]byte, MaxPayloadBytes+1)
	_, err = s.Put(big)
	require.ErrorIs(t, err, ErrTooLarge)
}

func TestPutBoundsMetadata(t *testing.T) {
	s := openStore(t, t.TempDir(), testMaxBytes)
	e := testEntry(0)
	e.Reason = strings.Repeat("é", MaxReasonBytes) // two bytes each
	e.Time = time.Time{}
	_, err := s.Put(e)
	require.NoError(t, err)
	r := scanAll(t, s)[0]
	assert.Equal(t, strings.Repeat("é", MaxReasonBytes/2), r.Reason)
	assert.False(t, r.Time.IsZero())

	e.KeyFingerprint = strings.Repeat("k", MaxFingerprintBytes+1)
	_, err = s.Put(e)
	require.ErrorContains(t, err, "never the key")
}

func TestMarkFailedKeepsEntryInPlace(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	ids := putEntries(t, s, 3)
	dropped, err := s.MarkFailed(ids[1], 503, "still failing")
	require.NoError(t, err)
	assert.Zero(t, dropped)
	require.NoError(t, s.Close())

	s = openStore(t, dir, testMaxBytes)
	want := testEntries(3)
	want[1].Attempts, want[1].Status, want[1].Reason = 2, 503, "still failing"
	assert.Equal(t, want, entriesOf(scanAll(t, s)))

	require.NoError(t, s.Ack(ids[1]))
	_, err = s.MarkFailed(ids[1], 503, "")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "obtrace", "traces")
	s := openStore(t, dir, testMaxBytes)
	putEntries(t, s, 1)
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(dirPerm), info.Mode().Perm())
	info, err = os.Stat(filepath.Join(dir, entryName(s.lastID())))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(filePerm), info.Mode().Perm())
}

func TestOpenRefusesHeldDirectory(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	_, err := Open(dir, testMaxBytes)
	require.ErrorContains(t, err, "already open")

	require.NoError(t, s.Close())
	s = openStore(t, dir, testMaxBytes)
	require.NoError(t, s.Close())
	_, err = s.Put(testEntry(0))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s.Scan().Err(), ErrClosed)
}

func TestOpenRefusesTinyBound(t *testing.T) {
	_, err := Open(t.TempDir(), blockSize-1)
	require.ErrorContains(t, err, "below one entry")
}
