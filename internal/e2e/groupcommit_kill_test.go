package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestKillDuringGroupCommits: 16 clients send concurrently to configs/gateway.yaml (group
// commit, lazily written queue bookkeeping, fsynced file_storage) while ingest is slow, so
// the queue holds a backlog and group commits are in flight; the gateway is SIGKILLed in the
// middle of that, restarted on the same queue, loaded and killed again, three times. Every
// span a client was told was accepted (HTTP 200) is delivered; duplicates (at-least-once)
// are counted.
func TestKillDuringGroupCommits(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	ingest.SetDelay(20 * time.Millisecond)
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "")

	const rounds, clients, spansPerRequest = 3, 16, 20
	var acked []string
	refused := 0
	for round := range rounds {
		c := run.start(t)
		load := startLoad(c, clients, spansPerRequest, fmt.Sprintf("kill%d", round))
		time.Sleep(1500 * time.Millisecond)
		c.kill(t) // while requests are in flight
		names, failed := load.wait()
		acked = append(acked, names...)
		refused += failed
	}
	c := run.start(t)
	waitFor(t, 120*time.Second, fmt.Sprintf("%d acknowledged spans delivered", len(acked)), func() bool {
		delivered := ingest.DeliveredNames(tracesPath)
		for _, name := range acked {
			if delivered[name] == 0 {
				return false
			}
		}
		return true
	})
	c.stop(t)

	delivered := ingest.DeliveredNames(tracesPath)
	lost, duplicates := 0, 0
	for _, name := range acked {
		switch n := delivered[name]; {
		case n == 0:
			lost++
		case n > 1:
			duplicates += n - 1
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged spans lost", lost)
	}
	if len(acked) < rounds*clients*spansPerRequest {
		t.Errorf("only %d spans acknowledged: the load did not run", len(acked))
	}
	t.Logf("FIGURES kill during group commits: %d rounds of %d clients, spans acknowledged %d, requests not acknowledged %d, lost %d, duplicates %d",
		rounds, clients, len(acked), refused, lost, duplicates)
}

// load is clients goroutines posting traces requests to a collector until it stops answering.
type load struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	acked   []string // names of spans in requests answered 200
	failed  int      // requests answered otherwise, or not at all
	stopAll context.CancelFunc
}

func startLoad(c *collector, clients, spans int, prefix string) *load {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	l := &load{stopAll: cancel}
	for w := range clients {
		l.wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("%s-c%d-r%d", prefix, w, i)
				body, err := tracesRequest("kill-test", name, spans).MarshalProto()
				if err != nil {
					panic(err)
				}
				status, _, _, err := sendOTLP(ctx, c, "/v1/traces", "application/x-protobuf", body, receiverAuth)
				if err != nil {
					l.record(nil)
					return // the collector is gone
				}
				if status != http.StatusOK {
					l.record(nil)
					continue
				}
				names := make([]string, spans)
				for s := range names {
					names[s] = fmt.Sprintf("%s-span-%d", name, s)
				}
				l.record(names)
			}
		})
	}
	return l
}

func (l *load) record(names []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if names == nil {
		l.failed++
		return
	}
	l.acked = append(l.acked, names...)
}

// wait returns once every client has stopped (the collector was killed).
func (l *load) wait() (acked []string, failed int) {
	l.wg.Wait()
	l.stopAll()
	return l.acked, l.failed
}
