package obtraceexporter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// offerRecorder is a queue Offer that blocks each call until released and
// records what every call was given.
type offerRecorder struct {
	mu      sync.Mutex
	offers  []ptrace.Traces
	release chan error
}

func newOfferRecorder() *offerRecorder { return &offerRecorder{release: make(chan error)} }

func (r *offerRecorder) offer(_ context.Context, td ptrace.Traces) error {
	r.mu.Lock()
	r.offers = append(r.offers, td)
	r.mu.Unlock()
	return <-r.release
}

func (r *offerRecorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.offers)
}

// tenantCtx carries the partition key the tests' groupCommit reads.
type tenantCtxKey struct{}

func tenantOf(ctx context.Context) string { s, _ := ctx.Value(tenantCtxKey{}).(string); return s }

// request is one incoming request of spans spans, its resource naming tenant
// and id.
func request(tenant, id string, spans int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("tenant", tenant)
	rs.Resource().Attributes().PutStr("request", id)
	ss := rs.ScopeSpans().AppendEmpty()
	for range spans {
		ss.Spans().AppendEmpty()
	}
	return td
}

// resourcesOf lists attribute key of every resource of td.
func resourcesOf(td ptrace.Traces, key string) []string {
	var values []string
	for _, rs := range td.ResourceSpans().All() {
		v, _ := rs.Resource().Attributes().Get(key)
		values = append(values, v.Str())
	}
	return values
}

type groupCommitHarness struct {
	t       *testing.T
	gc      *groupCommit[ptrace.Traces]
	rec     *offerRecorder
	results map[string]chan error
}

func newGroupCommitHarness(t *testing.T, maxItems int) *groupCommitHarness {
	rec := newOfferRecorder()
	return &groupCommitHarness{
		t: t, rec: rec, results: map[string]chan error{},
		gc: newGroupCommit(maxItems, tenantOf, rec.offer, moveTraces, ptrace.Traces.SpanCount),
	}
}

// send starts one request in its own goroutine, as a receiver would.
func (h *groupCommitHarness) send(tenant, id string, spans int) {
	done := make(chan error, 1)
	h.results[id] = done
	ctx := context.WithValue(context.Background(), tenantCtxKey{}, tenant)
	go func() { done <- h.gc.consume(ctx, request(tenant, id, spans)) }()
}

// waitFor waits until offer has been called calls times and waiting items
// are held in groups that wait for their turn.
func (h *groupCommitHarness) waitFor(calls, waitingItems int) {
	require.Eventually(h.t, func() bool {
		h.gc.mu.Lock()
		items := 0
		for _, g := range h.gc.waiting {
			items += g.items
		}
		h.gc.mu.Unlock()
		return h.rec.calls() == calls && items == waitingItems
	}, 5*time.Second, time.Millisecond)
}

// sendWaiting sends a request while a transaction runs and waits until it
// waits in a group, waitingItems items waiting in all.
func (h *groupCommitHarness) sendWaiting(tenant, id string, spans, waitingItems int) {
	h.send(tenant, id, spans)
	h.waitFor(h.rec.calls(), waitingItems)
}

// releaseLast lets the last transaction commit and checks that every request
// ids names succeeded.
func (h *groupCommitHarness) releaseLast(ids ...string) {
	h.rec.release <- nil
	for _, id := range ids {
		require.NoError(h.t, h.result(id))
	}
}

func (h *groupCommitHarness) result(id string) error {
	select {
	case err := <-h.results[id]:
		return err
	case <-time.After(5 * time.Second):
		h.t.Fatalf("request %s did not return", id)
		return nil
	}
}

func (h *groupCommitHarness) returned(id string) bool {
	select {
	case err := <-h.results[id]:
		h.results[id] <- err // keep it for result
		return true
	default:
		return false
	}
}

func TestGroupCommitGathersRequestsThatArriveWhileATransactionRuns(t *testing.T) {
	h := newGroupCommitHarness(t, 8192)
	h.send("a", "first", 10)
	h.waitFor(1, 0) // first is offered alone at once: the committer was idle
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		h.send("a", id, 10)
	}
	h.waitFor(1, 40)
	assert.False(t, h.returned("r1"), "nothing is acknowledged before its transaction ends")

	h.rec.release <- nil // the first transaction commits
	require.NoError(t, h.result("first"))
	h.waitFor(2, 0) // the four waiting requests are offered together
	assert.ElementsMatch(t, []string{"r1", "r2", "r3", "r4"}, resourcesOf(h.rec.offers[1], "request"))
	assert.Equal(t, 40, h.rec.offers[1].SpanCount())
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		assert.False(t, h.returned(id), "%s returned before its transaction committed", id)
	}

	h.rec.release <- nil
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		require.NoError(t, h.result(id))
	}
	assert.Equal(t, 2, h.rec.calls())

	// Idle again: the next request is offered alone, at once.
	h.send("a", "later", 1)
	h.waitFor(3, 0)
	h.rec.release <- nil
	require.NoError(t, h.result("later"))
}

func TestGroupCommitFailsEveryRequestOfAFailedTransaction(t *testing.T) {
	h := newGroupCommitHarness(t, 8192)
	h.send("a", "first", 1)
	h.waitFor(1, 0)
	h.send("a", "r1", 1)
	h.send("a", "r2", 1)
	h.waitFor(1, 2)
	h.rec.release <- nil
	require.NoError(t, h.result("first"))

	queueFull := errors.New("sending queue is full")
	h.waitFor(2, 0)
	h.rec.release <- queueFull
	require.ErrorIs(t, h.result("r1"), queueFull)
	require.ErrorIs(t, h.result("r2"), queueFull)
}

func TestGroupCommitNeverMixesPartitions(t *testing.T) {
	h := newGroupCommitHarness(t, 8192)
	h.send("a", "first", 1)
	h.waitFor(1, 0)
	h.sendWaiting("a", "a1", 1, 1)
	h.sendWaiting("b", "b1", 1, 2)
	h.sendWaiting("a", "a2", 1, 3)
	h.sendWaiting("b", "b2", 1, 4)

	h.rec.release <- nil // first
	h.waitFor(2, 2)      // a's group offered, b's waits
	h.rec.release <- nil
	h.waitFor(3, 0)
	// Groups are offered in the order they were formed: a's, then b's.
	assert.ElementsMatch(t, []string{"a1", "a2"}, resourcesOf(h.rec.offers[1], "request"))
	assert.ElementsMatch(t, []string{"b1", "b2"}, resourcesOf(h.rec.offers[2], "request"))
	for _, td := range h.rec.offers {
		tenants := resourcesOf(td, "tenant")
		assert.Len(t, tenants, td.ResourceSpans().Len())
		for _, tenant := range tenants {
			assert.Equal(t, tenants[0], tenant, "one queue item holds one partition")
		}
	}
	h.releaseLast("first", "a1", "a2", "b1", "b2")
}

func TestGroupCommitBoundsTheItemsOfAGroup(t *testing.T) {
	h := newGroupCommitHarness(t, 100)
	h.send("a", "first", 1)
	h.waitFor(1, 0)
	h.sendWaiting("a", "r1", 60, 60)
	h.sendWaiting("a", "r2", 60, 120)    // 120 > 100: a new group
	h.sendWaiting("a", "r3", 40, 160)    // fits the newest group (r2's); never joins r1's
	h.sendWaiting("a", "huge", 500, 660) // larger than max_items: alone

	for call := 1; call <= 3; call++ {
		h.rec.release <- nil
		require.Eventually(t, func() bool { return h.rec.calls() == call+1 }, 5*time.Second, time.Millisecond)
	}
	assert.Equal(t, []string{"r1"}, resourcesOf(h.rec.offers[1], "request"))
	assert.ElementsMatch(t, []string{"r2", "r3"}, resourcesOf(h.rec.offers[2], "request"))
	assert.Equal(t, []string{"huge"}, resourcesOf(h.rec.offers[3], "request"))
	h.releaseLast("first", "r1", "r2", "r3", "huge")
}

func TestGroupCommitLeaderReturnsWithoutWaitingForLaterGroups(t *testing.T) {
	h := newGroupCommitHarness(t, 8192)
	h.send("a", "first", 1)
	h.waitFor(1, 0)
	h.send("a", "second", 1)
	h.waitFor(1, 1)
	h.rec.release <- nil
	require.NoError(t, h.result("first"), "the first request returns while the second group's transaction runs")
	h.waitFor(2, 0)
	h.send("a", "third", 1)
	h.waitFor(2, 1)
	h.rec.release <- nil
	require.NoError(t, h.result("second"))
	h.waitFor(3, 0)
	h.rec.release <- nil
	require.NoError(t, h.result("third"))
}

// TestGroupCommitUnderConcurrentLoad checks, with the race detector, that
// every request is offered exactly once and its caller told the outcome.
func TestGroupCommitUnderConcurrentLoad(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	offers := 0
	gc := newGroupCommit(50, tenantOf, func(_ context.Context, td ptrace.Traces) error {
		mu.Lock()
		defer mu.Unlock()
		offers++
		for _, id := range resourcesOf(td, "request") {
			seen[id]++
		}
		time.Sleep(100 * time.Microsecond) // a transaction takes time
		return nil
	}, moveTraces, ptrace.Traces.SpanCount)

	const workers, perWorker = 16, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			tenant := []string{"a", "b"}[w%2]
			ctx := context.WithValue(context.Background(), tenantCtxKey{}, tenant)
			for i := range perWorker {
				id := fmt.Sprintf("%s/%d/%d", tenant, w, i)
				assert.NoError(t, gc.consume(ctx, request(tenant, id, 1+i%7)))
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, workers*perWorker)
	for id, n := range seen {
		require.Equal(t, 1, n, "request %s offered %d times", id, n)
	}
	assert.Less(t, offers, workers*perWorker, "concurrent requests share transactions")
	t.Logf("%d requests in %d transactions", workers*perWorker, offers)
}
