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

// TestDamagedQueueFile: the gateway queues spans while the ingest is down and is SIGKILLed;
// its traces queue file is then truncated (to 0 bytes, to half). With queue_file_check: fail
// (the default) the next start stops with an error naming the file and what to do; once the
// file is moved aside the gateway starts and delivers. With quarantine it moves the file aside
// itself, says so, and delivers.
func TestDamagedQueueFile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		size       func(int64) int64
		quarantine bool
	}{
		{name: "0 bytes", size: func(int64) int64 { return 0 }},
		{name: "half", size: func(n int64) int64 { return n / 2 }},
		{name: "half, quarantine", size: func(n int64) int64 { return n / 2 }, quarantine: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, url := unusedIngestAddr(t)
			extra := ""
			if tc.quarantine {
				extra = "exporters:\n  obtrace:\n    queue_file_check: quarantine\n"
			}
			run := newShippedRun(t, "gateway.yaml", url, "", extra)
			c := run.start(t)
			for range 5 {
				if status, text, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", "queued", 200), receiverAuth); status != http.StatusOK {
					t.Fatalf("queueing: %d %s", status, text)
				}
			}
			time.Sleep(700 * time.Millisecond) // dispatched, failing against the closed port
			c.kill(t)

			queueFile := filepath.Join(run.storageDir, "exporter_obtrace__traces")
			info, err := os.Stat(queueFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(queueFile, tc.size(info.Size())); err != nil {
				t.Fatal(err)
			}

			refusal := ""
			if !tc.quarantine {
				out := runExpectingExit(t, run, "a damaged queue file")
				for _, want := range []string{queueFile, "is damaged", "move it aside", "nothing was discarded"} {
					if !strings.Contains(out, want) {
						t.Errorf("the start-up error does not say %q:\n%s", want, out)
					}
				}
				assertNoSecret(t, "collector output", out)
				if i := strings.Index(out, "Error: "); i >= 0 {
					refusal = strings.TrimSpace(out[i:])
				}
				if err := os.Rename(queueFile, queueFile+".damaged"); err != nil {
					t.Fatal(err)
				}
			}

			ingest := ingesttest.NewOn(t, addr, nil)
			c3 := run.start(t)
			if status, text, _ := postOTLP(t, c3, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", "after", 5), receiverAuth); status != http.StatusOK {
				t.Fatalf("after the damaged file: %d %s", status, text)
			}
			waitFor(t, 30*time.Second, "the 5 new spans", func() bool {
				n := 0
				for name := range ingest.DeliveredNames(tracesPath) {
					if strings.HasPrefix(name, "after") {
						n++
					}
				}
				return n >= 5
			})
			c3.stop(t)
			out := c3.output.String()
			moved, _ := filepath.Glob(queueFile + ".damaged*")
			if len(moved) != 1 {
				t.Errorf("moved-aside files: %v, want 1", moved)
			}
			if tc.quarantine {
				if !strings.Contains(out, "moved aside") || !strings.Contains(out, queueFile) {
					t.Errorf("quarantine did not log the move loudly:\n%s", out)
				}
				refusal = "started; moved aside: " + strings.Join(moved, ", ")
			}
			assertNoSecret(t, "collector output", out)
			t.Logf("FIGURES damaged-queue %s (%d of %d bytes kept): %s; afterwards 5/5 new spans delivered",
				tc.name, tc.size(info.Size()), info.Size(), refusal)
		})
	}
}
