package e2e

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestWrongKeyIsDeadLetteredThenDeliveredAfterRestart: a bad key rotation. The gateway runs
// with a key ingest refuses (401 storm); everything it accepted is dead-lettered, not dropped.
// Restarted with the right key, it resends the dead letters at start: every item delivered
// exactly once, nothing lost, and the wrong key is in no output.
func TestWrongKeyIsDeadLetteredThenDeliveredAfterRestart(t *testing.T) {
	const wrongKey = "obt_live_e2e_rotated_wrong_0123456789"
	ingest := ingesttest.New(t, nil)
	ingest.SetResponder(func(r ingesttest.Request) ingesttest.Answer {
		if r.Authorization != "Bearer "+testAPIKey {
			return ingesttest.Answer{Status: http.StatusUnauthorized}
		}
		return ingesttest.Answer{Status: http.StatusOK}
	})
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "")
	wrong := run
	wrong.env = append(slices.Clone(run.env), "OBTRACE_API_KEY="+wrongKey)

	c := wrong.start(t)
	want := sendAll(t, c,
		workload{Protocol: "http", Service: "checkout-api", Prefix: "rotated-http", Spans: 60, Points: 10, Logs: 20, Headers: receiverAuth},
		workload{Protocol: "grpc", Service: "billing-worker", Prefix: "rotated-grpc", Spans: 40, Logs: 10, Headers: receiverAuth},
	)
	waitFor(t, 60*time.Second, "every accepted item refused with 401", func() bool {
		for path, n := range want {
			if ingest.Items(path, http.StatusUnauthorized) < n {
				return false
			}
		}
		return true
	})
	c.stop(t)
	if strings.Contains(c.output.String(), wrongKey) {
		t.Error("the wrong key is in the collector's output")
	}
	if !strings.Contains(c.output.String(), "dead_lettered_items") {
		t.Errorf("no dead-lettering logged:\n%s", c.output.String())
	}
	checkQueueFiles(t, run.storageDir)

	c2 := run.start(t)
	waitDelivered(t, ingest, 60*time.Second, want)
	time.Sleep(time.Second) // anything delivered twice would arrive now
	c2.stop(t)
	checkDeliveredExactly(t, ingest, want)
	t.Logf("FIGURES dead letter after a wrong key: items accepted %d, refused with 401 %d, delivered after the restart %d (exactly once)",
		total(want), itemsTotal(ingest, want, http.StatusUnauthorized), itemsTotal(ingest, want, http.StatusOK))
}

// TestPersistentServerErrorIsDeadLetteredThenDelivered: ingest answers 500 beyond the
// exporter's retries; the requests wait in the dead-letter queue and are delivered by the
// scheduled resend once ingest recovers.
func TestPersistentServerErrorIsDeadLetteredThenDelivered(t *testing.T) {
	var healthy atomic.Bool
	ingest := ingesttest.New(t, func(ingesttest.Request) ingesttest.Answer {
		if healthy.Load() {
			return ingesttest.Answer{Status: http.StatusOK}
		}
		return ingesttest.Answer{Status: http.StatusInternalServerError}
	})
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", `
exporters:
  obtrace:
    server_error_retries: 2
    dead_letter: {resend_interval: 1s}
`)
	c := run.start(t)
	want := sendAll(t, c,
		workload{Protocol: "http", Service: "checkout-api", Prefix: "ise-http", Spans: 30, Points: 10, Logs: 10, Headers: receiverAuth},
	)
	waitFor(t, 60*time.Second, "every item refused 3 times (the request and 2 retries)", func() bool {
		for path, n := range want {
			if ingest.Items(path, http.StatusInternalServerError) < 3*n {
				return false
			}
		}
		return true
	})
	time.Sleep(2 * time.Second) // a few scheduled resends, refused again
	healthy.Store(true)
	waitDelivered(t, ingest, 60*time.Second, want)
	time.Sleep(2 * time.Second) // further scheduled passes must find nothing left
	c.stop(t)
	checkDeliveredExactly(t, ingest, want)
	t.Logf("FIGURES dead letter after persistent 500: items accepted %d, refused with 500 %d (retries and resends), delivered %d (exactly once)",
		total(want), itemsTotal(ingest, want, http.StatusInternalServerError), itemsTotal(ingest, want, http.StatusOK))
}

// itemsTotal counts the items ingest answered with status on want's paths.
func itemsTotal(f *ingesttest.Ingest, want itemCounts, status int) int {
	n := 0
	for path := range want {
		n += f.Items(path, status)
	}
	return n
}

func total(want itemCounts) int {
	n := 0
	for _, k := range want {
		n += k
	}
	return n
}
