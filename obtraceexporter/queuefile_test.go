package obtraceexporter

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

var testStorageID = component.MustNewIDWithName("file_storage", "queue")

// newFileStorage creates and starts a real file_storage extension on dir,
// its default configuration changed by each of mutate.
func newFileStorage(t testing.TB, dir string, mutate ...func(*filestorage.Config)) extension.Extension {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	for _, m := range mutate {
		m(cfg)
	}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

// extensionsHost is a host that offers the given extensions.
type extensionsHost map[component.ID]component.Component

func (h extensionsHost) GetExtensions() map[component.ID]component.Component { return h }

// writeQueueFile makes a real queue file through file_storage (n values of
// 1 KiB) for the traces queue of owner, and returns its path.
func writeQueueFile(t testing.TB, dir string, owner component.ID, n int) string {
	t.Helper()
	ext := newFileStorage(t, dir)
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindExporter, owner, string(signalTraces))
	require.NoError(t, err)
	value := bytes.Repeat([]byte("span"), 256)
	for i := range n {
		require.NoError(t, client.Set(context.Background(), fmt.Sprintf("item-%d", i), value))
	}
	require.NoError(t, client.Close(context.Background()))
	path := queueFilePath(dir, owner, signalTraces)
	require.FileExists(t, path, "queueFilePath names the file file_storage made")
	return path
}

func TestFileStorageDirectory(t *testing.T) {
	dir := t.TempDir()
	got, ok := fileStorageDirectory(newFileStorage(t, dir))
	require.True(t, ok, "file_storage's private cfg.Directory moved: update fileStorageDirectory")
	assert.Equal(t, dir, got)

	_, ok = fileStorageDirectory(observerExtension{})
	assert.False(t, ok)
	_, ok = fileStorageDirectory(nil)
	assert.False(t, ok)
}

func TestQueueFilePathMatchesFileStorage(t *testing.T) {
	for _, name := range []string{"", "prod", "eu/prod~1", "prodé", strings.Repeat("n", 300)} {
		t.Run(name[:min(len(name), 20)], func(t *testing.T) {
			writeQueueFile(t, t.TempDir(), component.NewIDWithName(component.MustNewType("obtrace"), name), 1)
		})
	}
}

// TestCheckQueueFile damages a real queue file in the ways seen in the field.
func TestCheckQueueFile(t *testing.T) {
	owner := component.MustNewID("obtrace")
	healthy := func(t *testing.T) string { return writeQueueFile(t, t.TempDir(), owner, 200) }
	truncate := func(size func(int64) int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			path := healthy(t)
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(path, size(info.Size())))
			return path
		}
	}
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T) string
		damaged string // "" for a healthy file
	}{
		{name: "healthy", make: healthy},
		{name: "absent", make: func(t *testing.T) string { return filepath.Join(t.TempDir(), "exporter_obtrace__traces") }},
		{name: "0 bytes", make: truncate(func(int64) int64 { return 0 }), damaged: "empty (0 bytes"},
		{name: "16 KiB", make: truncate(func(int64) int64 { return 16 << 10 }), damaged: "truncated"},
		{name: "half", make: truncate(func(size int64) int64 { return size / 2 }), damaged: "truncated"},
		{name: "one byte", make: truncate(func(int64) int64 { return 1 }), damaged: "cannot open"},
		{name: "random garbage", make: func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "q")
			garbage := make([]byte, 64<<10)
			_, _ = rand.Read(garbage)
			require.NoError(t, os.WriteFile(path, garbage, 0o600))
			return path
		}, damaged: "cannot open"},
		{name: "pages zeroed, size kept", make: func(t *testing.T) string {
			path := healthy(t)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			page := os.Getpagesize()
			clear(data[2*page:]) // the two meta pages stay valid
			require.NoError(t, os.WriteFile(path, data, 0o600))
			return path
		}, damaged: "bbolt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.make(t)
			before, _ := os.ReadFile(path)
			beforeInfo, _ := os.Stat(path)

			began := time.Now()
			err := checkQueueFile(path)
			t.Logf("FIGURES queue-file-check %s (%d bytes): %v in %v", tc.name, len(before), err, time.Since(began).Round(time.Millisecond))
			if tc.damaged == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, errDamagedQueueFile)
				assert.Contains(t, err.Error(), tc.damaged)
			}
			after, _ := os.ReadFile(path)
			assert.True(t, bytes.Equal(before, after), "the check does not change the file")
			if afterInfo, statErr := os.Stat(path); statErr == nil {
				assert.Equal(t, beforeInfo.ModTime(), afterInfo.ModTime())
			}
		})
	}
}

func TestCheckQueueFileLocked(t *testing.T) {
	dir := t.TempDir()
	owner := component.MustNewID("obtrace")
	path := writeQueueFile(t, dir, owner, 1)
	// A running collector holds the file open (and locked).
	client, err := newFileStorage(t, dir).(storage.Extension).GetClient(context.Background(), component.KindExporter, owner, string(signalTraces))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close(context.Background()) })

	err = checkQueueFile(path)
	require.Error(t, err)
	require.NotErrorIs(t, err, errDamagedQueueFile, "a locked file is not damaged (and never quarantined)")
	assert.Contains(t, err.Error(), "locked by another process")
}

// queueFileExporterConfig is a config with a persistent queue on
// testStorageID towards ingest.
func queueFileExporterConfig(f *ingesttest.Ingest, mode string) *Config {
	cfg := testConfig(f)
	q := exporterhelper.NewDefaultQueueConfig()
	storageID := testStorageID
	q.StorageID = &storageID
	q.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(q)
	cfg.QueueFileCheck = mode
	return cfg
}

// TestQueueFileCheckAtStart runs the exporter on a real file_storage
// persistent queue: spans queued while ingest refuses them, the file damaged,
// then start fails naming the file (fail) or moves it aside (quarantine); a
// healthy file starts unchanged and delivers its spans.
func TestQueueFileCheckAtStart(t *testing.T) {
	owner := component.MustNewIDWithName("obtrace", "queued") // names the queue file: the same in every run
	ingestUp := make(chan struct{})
	f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		select {
		case <-ingestUp:
			return ingesttest.OK(r)
		default:
			return ingesttest.Answer{Status: http.StatusServiceUnavailable}
		}
	})
	queueSpans := func(t *testing.T, dir string) string {
		host := extensionsHost{testStorageID: newFileStorage(t, dir)}
		set, _ := testSettings(component.TelemetrySettings{})
		set.ID = owner
		exp, err := NewFactory().CreateTraces(context.Background(), set, queueFileExporterConfig(f, queueFileCheckFail))
		require.NoError(t, err)
		require.NoError(t, exp.Start(context.Background(), host))
		require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "svc"})))
		require.NoError(t, exp.Shutdown(context.Background())) // still queued: ingest answers 503
		return queueFilePath(dir, set.ID, signalTraces)
	}
	start := func(t *testing.T, dir, mode string) (func(), error) {
		host := extensionsHost{testStorageID: newFileStorage(t, dir)}
		set, logs := testSettings(component.TelemetrySettings{})
		set.ID = owner
		exp, err := NewFactory().CreateTraces(context.Background(), set, queueFileExporterConfig(f, mode))
		require.NoError(t, err)
		err = exp.Start(context.Background(), host)
		stop := func() {
			require.NoError(t, exp.Shutdown(context.Background()))
			t.Log(logText(logs))
		}
		if mode == queueFileCheckQuarantine && err == nil {
			entry := logs.FilterLevelExact(zapcore.ErrorLevel).FilterMessageSnippet("moved aside").All()
			require.Len(t, entry, 1)
			assert.NotEmpty(t, entry[0].ContextMap()["moved_to"])
		}
		return stop, err
	}

	t.Run("fail names the file", func(t *testing.T) {
		dir := t.TempDir()
		path := queueSpans(t, dir)
		require.NoError(t, os.Truncate(path, 16<<10))
		_, err := start(t, dir, queueFileCheckFail)
		require.Error(t, err)
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), "move it aside")
		assert.Contains(t, err.Error(), "nothing was discarded")
		info, statErr := os.Stat(path)
		require.NoError(t, statErr)
		assert.EqualValues(t, 16<<10, info.Size(), "the damaged file is left as it was")
	})
	t.Run("quarantine moves it aside", func(t *testing.T) {
		dir := t.TempDir()
		path := queueSpans(t, dir)
		require.NoError(t, os.Truncate(path, 0))
		stop, err := start(t, dir, queueFileCheckQuarantine)
		require.NoError(t, err)
		stop()
		moved, _ := filepath.Glob(path + ".damaged-*")
		require.Len(t, moved, 1)
	})
	t.Run("healthy file delivers", func(t *testing.T) {
		dir := t.TempDir()
		path := queueSpans(t, dir)
		before := len(f.Requests())
		close(ingestUp)
		stop, err := start(t, dir, queueFileCheckFail)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return len(f.Requests()) > before }, 10*time.Second, 10*time.Millisecond)
		stop()
		moved, _ := filepath.Glob(path + ".damaged-*")
		assert.Empty(t, moved)
	})
}

// FuzzCheckQueueFile checks arbitrary file contents, seeded with a real
// queue file and damaged copies of it: the check must return, never crash
// the process (bbolt panics and faults on bad pages).
func FuzzCheckQueueFile(f *testing.F) {
	healthy, err := os.ReadFile(writeQueueFile(f, f.TempDir(), component.MustNewID("obtrace"), 3))
	require.NoError(f, err)
	page := os.Getpagesize()
	zeroed := bytes.Clone(healthy)
	clear(zeroed[2*page:])
	for _, seed := range [][]byte{healthy, healthy[:16<<10], healthy[:len(healthy)/2], healthy[:2*page], zeroed, []byte("not a bbolt database\n")} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, contents []byte) {
		path := filepath.Join(dir, "queue")
		require.NoError(t, os.WriteFile(path, contents, 0o600))
		err := checkQueueFile(path)
		if bytes.Equal(contents, healthy) {
			require.NoError(t, err)
		}
	})
}
