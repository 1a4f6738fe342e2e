package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// unusedIngestAddr reserves a loopback address where nothing listens yet: the collector's
// requests to it are refused until the test starts a fake ingest there.
func unusedIngestAddr(t *testing.T) (addr, url string) {
	addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	return addr, "http://" + addr
}

// TestOutageThenRecovery: the ingest is down (connection refused), then answers 503 with
// Retry-After, then recovers. Every accepted item is delivered exactly once.
func TestOutageThenRecovery(t *testing.T) {
	addr, url := unusedIngestAddr(t)
	run := newShippedRun(t, "gateway.yaml", url, "", "")
	c := run.start(t)

	workloads := []workload{
		{Protocol: "http", Service: "checkout-api", Prefix: "outage-http", Spans: 40, Logs: 20, Headers: receiverAuth},
		{Protocol: "grpc", Service: "billing-worker", Prefix: "outage-grpc", Spans: 30, Logs: 10, Headers: receiverAuth},
	}
	want := sendAll(t, c, workloads...) // accepted by the gateway while the ingest is unreachable
	time.Sleep(1500 * time.Millisecond) // a few refused connection attempts

	ingest := ingesttest.NewOn(t, addr, func(r ingesttest.Request) ingesttest.Answer {
		if r.N <= 3 {
			return ingesttest.Answer{Status: http.StatusServiceUnavailable, RetryAfter: retryAfterSeconds(1)}
		}
		return ingesttest.Answer{Status: http.StatusOK}
	})
	waitDelivered(t, ingest, 60*time.Second, want)
	c.stop(t)
	checkDeliveredExactly(t, ingest, want)
	dups := 0
	for path := range want {
		for name, k := range ingest.DeliveredNames(path) {
			if k > 1 {
				dups += k - 1
				t.Errorf("%s: %q delivered %d times", path, name, k)
			}
		}
	}
	t.Logf("FIGURES outage: items sent %d, delivered %d, duplicates %d, ingest requests %d of which 503 %d",
		want[tracesPath]+want[logsPath], ingest.Delivered(tracesPath)+ingest.Delivered(logsPath), dups,
		len(ingest.Requests()), unavailableCount(ingest))
}

func unavailableCount(f *ingesttest.Ingest) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Status == http.StatusServiceUnavailable {
			n++
		}
	}
	return n
}

// TestCrashWithQueuedData: with the ingest down, the gateway accepts data into its persistent
// queue and is SIGKILLed; restarted on the same queue with the ingest back, it delivers every
// accepted item (at least once; duplicates are counted and reported). The queue directory is
// 0700, its files 0600, and they hold no receiver token.
func TestCrashWithQueuedData(t *testing.T) {
	addr, url := unusedIngestAddr(t)
	run := newShippedRun(t, "gateway.yaml", url, "", "")
	c := run.start(t)

	workloads := []workload{
		{Protocol: "http", Service: "checkout-api", Prefix: "crash-http", Spans: 60, Logs: 25, Headers: receiverAuth},
		{Protocol: "grpc", Service: "billing-worker", Prefix: "crash-grpc", Spans: 40, Points: 10, Logs: 15, Headers: receiverAuth},
	}
	want := sendAll(t, c, workloads...)
	time.Sleep(700 * time.Millisecond) // batches are dispatched and fail against the closed port
	c.kill(t)

	checkQueueFiles(t, run.storageDir)

	ingest := ingesttest.NewOn(t, addr, nil)
	c2 := run.start(t)
	for path, n := range want {
		waitFor(t, 60*time.Second, fmt.Sprintf("%d items on %s", n, path), func() bool {
			return len(ingest.DeliveredNames(path)) >= distinct(path, n)
		})
	}
	c2.stop(t)

	sent, delivered, dups := 0, 0, 0
	for path, n := range want {
		sent += n
		delivered += ingest.Delivered(path)
		if path == metricsPath {
			if got := ingest.Delivered(path); got < n {
				t.Errorf("%s: delivered %d points, want at least %d", path, got, n)
			}
			dups += ingest.Delivered(path) - n
			continue
		}
		names := ingest.DeliveredNames(path)
		if len(names) != n {
			t.Errorf("%s: %d distinct items delivered, want %d", path, len(names), n)
		}
		for _, k := range names {
			dups += k - 1
		}
	}
	t.Logf("FIGURES crash: items accepted %d, delivered %d, distinct delivered %d, duplicates %d (at-least-once after SIGKILL)",
		sent, delivered, delivered-dups, dups)
}

// distinct is how many distinct names n items on path carry: metric points share their
// metric's name (two metrics per workload here), spans and logs are unique.
func distinct(path string, n int) int {
	if path == metricsPath {
		return 2
	}
	return n
}

// checkQueueFiles checks the persistent queue's permissions and that no receiver token or
// exporter key is stored in it.
func checkQueueFiles(t *testing.T, dir string) {
	t.Helper()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("queue directory: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("queue directory %s has mode %o, want 700", dir, perm)
	}
	files := 0
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		st, err := os.Stat(path)
		if err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("queue file %s has mode %o, want 600", filepath.Base(path), st.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		for _, s := range []string{testReceiverToken, testAPIKey, "Bearer "} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("queue file %s contains %q", filepath.Base(path), strings.TrimSpace(s[:6])+"…")
			}
		}
		return nil
	})
	if files == 0 {
		t.Errorf("no queue file in %s", dir)
	}
}
