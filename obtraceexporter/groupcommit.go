package obtraceexporter

import (
	"context"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// groupCommit is the group commit in front of exporterhelper (design: doc.go,
// "Durable delivery").
type groupCommit[T any] struct {
	// offer hands data to exporterhelper (its queue's Offer runs in the call).
	offer     func(context.Context, T) error
	moveInto  func(dst, src T)
	itemCount func(T) int
	partition func(context.Context) string
	maxItems  int

	mu      sync.Mutex
	busy    bool              // a transaction is in flight
	waiting []*commitGroup[T] // formed while busy, oldest first
}

// commitGroup is the requests of one partition gathered for one transaction.
type commitGroup[T any] struct {
	ctx       context.Context
	partition string
	data      T
	items     int
	turn      chan struct{} // closed when the group's leader may offer it
	done      chan struct{} // closed when err is set
	err       error
}

func newGroupCommit[T any](maxItems int, partition func(context.Context) string, offer func(context.Context, T) error,
	moveInto func(dst, src T), itemCount func(T) int,
) *groupCommit[T] {
	return &groupCommit[T]{offer: offer, moveInto: moveInto, itemCount: itemCount, partition: partition, maxItems: maxItems}
}

// consume returns once data is in the queue (nil) or refused with the error
// of the transaction that held it.
func (gc *groupCommit[T]) consume(ctx context.Context, data T) error {
	items := gc.itemCount(data)
	key := gc.partition(ctx)

	gc.mu.Lock()
	if !gc.busy {
		gc.busy = true
		gc.mu.Unlock()
		err := gc.offer(ctx, data)
		gc.handOff()
		return err
	}
	if g := gc.joinable(key, items); g != nil {
		gc.moveInto(g.data, data)
		g.items += items
		gc.mu.Unlock()
		<-g.done
		return g.err
	}
	// This request leads a new group. Its context carries the partition's
	// client metadata (the queue stores it); the group is offered even if
	// this client goes away meanwhile, because the others wait on it.
	g := &commitGroup[T]{
		ctx: context.WithoutCancel(ctx), partition: key, data: data, items: items,
		turn: make(chan struct{}), done: make(chan struct{}),
	}
	gc.waiting = append(gc.waiting, g)
	gc.mu.Unlock()

	<-g.turn
	g.err = gc.offer(g.ctx, g.data)
	close(g.done)
	gc.handOff()
	return g.err
}

// joinable returns the newest waiting group of partition key with room for
// items more, or nil. Callers hold mu.
func (gc *groupCommit[T]) joinable(key string, items int) *commitGroup[T] {
	for _, v := range slices.Backward(gc.waiting) {
		if g := v; g.partition == key {
			if g.items+items <= gc.maxItems {
				return g
			}
			return nil // keep the partition's order: never join an older group
		}
	}
	return nil
}

// handOff passes the turn to the oldest waiting group (sealing it: nothing
// joins it any more), or marks the committer idle.
func (gc *groupCommit[T]) handOff() {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if len(gc.waiting) == 0 {
		gc.busy = false
		return
	}
	next := gc.waiting[0]
	gc.waiting[0] = nil
	gc.waiting = gc.waiting[1:]
	close(next.turn)
}

// The per-signal merges: moving resources is a slice append, no copy.

func moveTraces(dst, src ptrace.Traces) { src.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans()) }

func moveMetrics(dst, src pmetric.Metrics) {
	src.ResourceMetrics().MoveAndAppendTo(dst.ResourceMetrics())
}

func moveLogs(dst, src plog.Logs) { src.ResourceLogs().MoveAndAppendTo(dst.ResourceLogs()) }
