//go:build unix

package deadletter

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Another process's Open meets the flock: a second open file description of
// LOCK, as another process would have, cannot take it while the store holds it.
func TestFlockRefusesSecondHolder(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	require.Error(t, flock(f))

	require.NoError(t, s.Close())
	require.NoError(t, flock(f))
}
