package otlpguardextension

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

const (
	tokenA = "obt_live_tenantA_1111aaaa2222bbbb"
	tokenB = "obt_live_tenantB_3333cccc4444dddd"
)

func bearer(token string) map[string][]string {
	return map[string][]string{"authorization": {"Bearer " + token}}
}

// startTokenFile polls path every 10ms (tests only; the configured minimum is 100ms).
func startTokenFile(t *testing.T, path string) (*tokenFile, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	tf := newTokenFile(path, 10*time.Millisecond, zap.New(core))
	tf.start()
	t.Cleanup(tf.shutdown)
	return tf, logs
}

func accepts(tf *tokenFile, token string) bool {
	_, err := tf.Authenticate(context.Background(), bearer(token))
	return err == nil
}

// eventually waits (at most 5s) until tf accepts token or not, as want says.
func eventually(t *testing.T, tf *tokenFile, token string, want bool) {
	t.Helper()
	require.Eventually(t, func() bool { return accepts(tf, token) == want }, 5*time.Second, 5*time.Millisecond,
		"token %s accepted should become %v", token[:12], want)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// replaceFile writes content next to path and renames it over path, so that no poll sees a
// half-written file.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	writeFile(t, path+".tmp", content)
	require.NoError(t, os.Rename(path+".tmp", path))
}

func TestTokenFileAcceptsFirstWordOfEachLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, tokenA+" tenant-a\n\n  "+tokenB+"\ttenant b\n")
	tf, _ := startTokenFile(t, path)
	assert.True(t, accepts(tf, tokenA))
	assert.True(t, accepts(tf, tokenB))
	assert.False(t, accepts(tf, "tenant-a"))
	assert.False(t, accepts(tf, tokenA[:len(tokenA)-1]))
	_, err := tf.Authenticate(context.Background(), map[string][]string{"Authorization": {"Bearer " + tokenA}})
	require.NoError(t, err, "HTTP's canonical header name")
	_, err = tf.Authenticate(context.Background(), map[string][]string{"authorization": {tokenA}})
	require.ErrorIs(t, err, errMissingToken, "without the Bearer scheme")
	_, err = tf.Authenticate(context.Background(), nil)
	assert.ErrorIs(t, err, errMissingToken)
}

func TestTokenFileRewriteRevokes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, tokenA+"\n"+tokenB+"\n")
	tf, _ := startTokenFile(t, path)
	require.True(t, accepts(tf, tokenB))
	writeFile(t, path, tokenA+"\n")
	eventually(t, tf, tokenB, false)
	assert.True(t, accepts(tf, tokenA))
	// Same size, new content, in place.
	writeFile(t, path, tokenB+"\n")
	eventually(t, tf, tokenB, true)
	assert.False(t, accepts(tf, tokenA))
}

func TestTokenFileDeleteFailsClosedAndRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, tokenA+"\n")
	tf, logs := startTokenFile(t, path)
	require.True(t, accepts(tf, tokenA))
	require.NoError(t, os.Remove(path))
	eventually(t, tf, tokenA, false)
	require.Eventually(t, func() bool { return logs.FilterLevelExact(zap.ErrorLevel).Len() == 1 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, 1, logs.FilterLevelExact(zap.ErrorLevel).Len(), "one error line per failure, not one per poll")
	// Delete once, then every later change still counts (the upstream watcher's failure).
	writeFile(t, path, tokenB+"\n")
	eventually(t, tf, tokenB, true)
	assert.False(t, accepts(tf, tokenA))
	writeFile(t, path, tokenA+"\n")
	eventually(t, tf, tokenA, true)
	eventually(t, tf, tokenB, false)
}

func TestTokenFileRenameFailsClosed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens")
	writeFile(t, path, tokenA+"\n")
	tf, _ := startTokenFile(t, path)
	require.True(t, accepts(tf, tokenA))
	require.NoError(t, os.Rename(path, filepath.Join(dir, "tokens.old")))
	eventually(t, tf, tokenA, false)
	// An atomic replace (write elsewhere, rename over) is picked up.
	writeFile(t, filepath.Join(dir, "tokens.new"), tokenB+"\n")
	require.NoError(t, os.Rename(filepath.Join(dir, "tokens.new"), path))
	eventually(t, tf, tokenB, true)
}

func TestTokenFileEmptyRevokesEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, tokenA+"\n")
	tf, logs := startTokenFile(t, path)
	require.True(t, accepts(tf, tokenA))
	writeFile(t, path, "\n  \n")
	eventually(t, tf, tokenA, false)
	require.Eventually(t, func() bool { return logs.FilterLevelExact(zap.ErrorLevel).Len() == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, logs.FilterLevelExact(zap.ErrorLevel).All()[0].Message, "every request is refused")
}

// kubelet mounts a Secret as <dir>/<key> -> ..data/<key>, ..data -> ..<timestamp>; an update
// writes a new timestamped directory and swaps the ..data symlink.
func TestTokenFileKubeletDataSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	mkVersion := func(name, content string) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, name), 0o700))
		writeFile(t, filepath.Join(dir, name, "tenant-keys"), content)
	}
	mkVersion("..2026_12_01_1", tokenA+"\n")
	require.NoError(t, os.Symlink("..2026_12_01_1", filepath.Join(dir, "..data")))
	require.NoError(t, os.Symlink(filepath.Join("..data", "tenant-keys"), filepath.Join(dir, "tenant-keys")))
	tf, _ := startTokenFile(t, filepath.Join(dir, "tenant-keys"))
	require.True(t, accepts(tf, tokenA))

	swap := func(version string) {
		require.NoError(t, os.Symlink(version, filepath.Join(dir, "..data_tmp")))
		require.NoError(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	}
	for i, token := range []string{tokenB, tokenA, tokenB} {
		version := "..2026_12_01_" + string(rune('2'+i))
		mkVersion(version, token+"\n")
		swap(version)
		eventually(t, tf, token, true)
		other := tokenA
		if token == tokenA {
			other = tokenB
		}
		assert.False(t, accepts(tf, other), "swap %d", i)
	}
}

func TestTokenFileBounds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	replaceFile(t, path, tokenA+"\n")
	tf, logs := startTokenFile(t, path)
	require.True(t, accepts(tf, tokenA))

	replaceFile(t, path, tokenA+"\n"+strings.Repeat("x", maxTokensFileSize))
	eventually(t, tf, tokenA, false)
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("cannot read the tokens file").Len() == 1
	}, 5*time.Second, 5*time.Millisecond)

	replaceFile(t, path, tokenA+"\n")
	eventually(t, tf, tokenA, true)

	replaceFile(t, path, strings.Repeat("t\n", maxTokens+1)+tokenA+"\n")
	eventually(t, tf, tokenA, false)
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("refusing the tokens file").Len() == 1
	}, 5*time.Second, 5*time.Millisecond)
}

func TestTokenFileNeverLogsTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, tokenA+"\n")
	tf, logs := startTokenFile(t, path)
	_, err := tf.Authenticate(context.Background(), bearer(tokenB))
	require.ErrorIs(t, err, errUnknownToken)
	assert.NotContains(t, err.Error(), tokenB)
	writeFile(t, path, strings.Repeat(tokenA+"\n", maxTokens+1))
	eventually(t, tf, tokenA, false)
	for _, entry := range logs.All() {
		assert.NotContains(t, entry.Message, tokenA)
		for _, f := range entry.Context {
			assert.NotContains(t, f.String, tokenA)
			if e, ok := f.Interface.(error); ok {
				assert.NotContains(t, e.Error(), tokenA)
			}
		}
	}
}
