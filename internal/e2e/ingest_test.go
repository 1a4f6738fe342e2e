package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// The contract's paths (../shared/obtrace-ingest.md).
const (
	tracesPath  = "/otlp/v1/traces"
	metricsPath = "/otlp/v1/metrics"
	logsPath    = "/otlp/v1/logs"
	// initPath is the obtrace exporter's start-up handshake (startup_check).
	initPath = "/v1/init"
)

func retryAfterSeconds(s int) string { return strconv.Itoa(s) }

// itemCounts is a number of items per ingest path.
type itemCounts map[string]int

// waitDelivered waits until the ingest has accepted at least want items on every path.
func waitDelivered(t *testing.T, f *ingesttest.Ingest, timeout time.Duration, want itemCounts) {
	t.Helper()
	for path, n := range want {
		waitFor(t, timeout, fmt.Sprintf("%d items on %s", n, path), func() bool { return f.Delivered(path) >= n })
	}
}

// checkDeliveredExactly reports every path on which the ingest accepted other than want items.
func checkDeliveredExactly(t *testing.T, f *ingesttest.Ingest, want itemCounts) {
	t.Helper()
	for path, n := range want {
		if got := f.Delivered(path); got != n {
			t.Errorf("%s: delivered %d items, want exactly %d", path, got, n)
		}
	}
}
