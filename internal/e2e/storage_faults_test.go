package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestCorruptQueueFile: a queue file that is not a bbolt database stops the collector at start
// with an error naming the exporter (fail closed: it neither serves nor discards the file);
// with the file moved aside, it starts and delivers.
func TestCorruptQueueFile(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "")
	if err := os.MkdirAll(run.storageDir, 0o700); err != nil {
		t.Fatal(err)
	}
	queueFile := filepath.Join(run.storageDir, "exporter_obtrace__traces")
	if err := os.WriteFile(queueFile, []byte(strings.Repeat("not a bbolt database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runExpectingExit(t, run, "a corrupt queue file")
	if !strings.Contains(out, `failed to start "obtrace" exporter`) {
		t.Errorf("no clear start-up error:\n%s", out)
	}
	if resp, err := http.Get("http://" + run.ports.HTTP + "/v1/traces"); err == nil {
		_ = resp.Body.Close() // a test request: only its status and body matter
		t.Errorf("the receiver served requests although the queue could not be opened")
	}
	assertNoSecret(t, "collector output", out)

	if err := os.Rename(queueFile, queueFile+".corrupt"); err != nil {
		t.Fatal(err)
	}
	c2 := run.start(t)
	if status, text, _ := postOTLP(t, c2, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", "after-corrupt", 5), receiverAuth); status != http.StatusOK {
		t.Fatalf("after moving the corrupt file aside: %d %s", status, text)
	}
	waitFor(t, 20*time.Second, "5 spans", func() bool { return ingest.Delivered(tracesPath) >= 5 })
	c2.stop(t)
	line := out
	if i := strings.Index(out, "Error: "); i >= 0 {
		line = strings.TrimSpace(out[i:])
	}
	t.Logf("FIGURES corrupt-queue: start refused with %q; after moving the file aside delivered %d/5", line, ingest.Delivered(tracesPath))
}

// runExpectingExit starts run and returns the collector's output once it has exited, as it must
// on start-up with what the test gave it (named by on).
func runExpectingExit(t *testing.T, run shippedRun, on string) string {
	t.Helper()
	c := startCollectorNoWait(t, run.ports, run.args, run.env...)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the collector kept running on %s", on)
	}
	return c.output.String()
}
