package obtraceexporter

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// The persistent queue's storage client, with the queue's bookkeeping
// written lazily and fresh items read from memory (design: doc.go, "Durable
// delivery"). storesItem counts as bookkeeping every operation but a Set of a
// key other than the queue's metadata key; TestDeferredStorageWithThePersistentQueue
// pins that against the real queue.

// queueMetadataKey is exporterhelper's persistent-queue metadata key
// (persistent_queue.go, metadataKey).
const queueMetadataKey = "qmv0"

const (
	// maxDeferredOps bounds the bookkeeping held in memory (about 100 bytes
	// an operation): more are written at once.
	maxDeferredOps = 4096
	// maxCachedBytes bounds the items kept in memory for their Read.
	maxCachedBytes = 32 << 20
)

// deferredStorageHost hands the sending queue a deferredClient for storageID.
type deferredStorageHost struct {
	component.Host
	storageID     component.ID
	flushInterval time.Duration
	logger        *zap.Logger
}

func (h deferredStorageHost) GetExtensions() map[component.ID]component.Component {
	exts := h.Host.GetExtensions()
	ext, ok := exts[h.storageID].(storage.Extension)
	if !ok {
		return exts // the queue reports a missing or wrong extension itself
	}
	exts = maps.Clone(exts)
	exts[h.storageID] = deferredStorageExtension{Extension: ext, host: h}
	return exts
}

type deferredStorageExtension struct {
	storage.Extension
	host deferredStorageHost
}

func (e deferredStorageExtension) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	client, err := e.Extension.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return newDeferredClient(client, e.host.flushInterval, e.host.logger), nil
}

// unwrapStorage returns the storage extension behind a deferredStorageExtension.
func unwrapStorage(ext component.Component) component.Component {
	if d, ok := ext.(deferredStorageExtension); ok {
		return d.Extension
	}
	return ext
}

// deferredClient is a storage.Client that defers bookkeeping operations.
type deferredClient struct {
	client        storage.Client
	flushInterval time.Duration
	logger        *zap.Logger

	// mu orders every write to client: deferred operations reach it before
	// anything that came after them.
	mu       sync.Mutex
	deferred []*storage.Operation
	// latest is the value a deferred operation leaves for its key (nil
	// after a Delete), for Gets that come before the flush.
	latest map[string][]byte
	// cached holds items written and not yet read, cachedBytes their size.
	cached      map[string][]byte
	cachedBytes int
	timer       *time.Timer
	flushed     bool // the last flush succeeded (logged on change only)
	closed      bool
}

func newDeferredClient(client storage.Client, flushInterval time.Duration, logger *zap.Logger) *deferredClient {
	return &deferredClient{client: client, flushInterval: flushInterval, logger: logger, latest: map[string][]byte{}, cached: map[string][]byte{}, flushed: true}
}

func (c *deferredClient) Get(ctx context.Context, key string) ([]byte, error) {
	op := storage.GetOperation(key)
	err := c.Batch(ctx, op)
	return op.Value, err
}

func (c *deferredClient) Set(ctx context.Context, key string, value []byte) error {
	return c.Batch(ctx, storage.SetOperation(key, value))
}

func (c *deferredClient) Delete(ctx context.Context, key string) error {
	return c.Batch(ctx, storage.DeleteOperation(key))
}

// Batch writes ops at once, with every deferred operation ahead of them in
// the same transaction, when they store an item; otherwise it answers their
// Gets and defers their writes.
func (c *deferredClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flushInterval <= 0 {
		return c.client.Batch(ctx, ops...)
	}
	if storesItem(ops) {
		if err := c.writeLocked(ctx, ops); err != nil {
			return err
		}
		c.cacheLocked(ops)
		return nil
	}
	var gets []*storage.Operation
	for _, op := range ops {
		if op.Type == storage.Get {
			if !c.answerLocked(op) {
				gets = append(gets, op)
			}
			continue
		}
		c.deferred = append(c.deferred, op)
		c.latest[op.Key] = op.Value // nil for a Delete
		c.uncacheLocked(op.Key)
	}
	if len(c.deferred) >= maxDeferredOps {
		if err := c.writeLocked(ctx, nil); err != nil {
			return err
		}
	} else if len(c.deferred) > 0 && c.timer == nil {
		c.timer = time.AfterFunc(c.flushInterval, c.flushInBackground)
	}
	if len(gets) == 0 {
		return nil
	}
	return c.client.Batch(ctx, gets...)
}

// answerLocked answers a Get from memory when it can: the value a deferred
// operation left, or a cached item (read once: the queue reads an item once).
func (c *deferredClient) answerLocked(op *storage.Operation) bool {
	if value, ok := c.latest[op.Key]; ok {
		op.Value = value
		return true
	}
	if value, ok := c.cached[op.Key]; ok {
		op.Value = value
		c.uncacheLocked(op.Key)
		return true
	}
	return false
}

// cacheLocked keeps the items ops stored, while they fit.
func (c *deferredClient) cacheLocked(ops []*storage.Operation) {
	for _, op := range ops {
		if op.Type == storage.Set && op.Key != queueMetadataKey && c.cachedBytes+len(op.Value) <= maxCachedBytes {
			c.uncacheLocked(op.Key)
			c.cached[op.Key] = op.Value
			c.cachedBytes += len(op.Value)
		}
	}
}

func (c *deferredClient) uncacheLocked(key string) {
	if value, ok := c.cached[key]; ok {
		delete(c.cached, key)
		c.cachedBytes -= len(value)
	}
}

// storesItem reports whether ops write anything but the queue's bookkeeping.
func storesItem(ops []*storage.Operation) bool {
	for _, op := range ops {
		if op.Type == storage.Set && op.Key != queueMetadataKey {
			return true
		}
	}
	return false
}

// writeLocked commits the deferred operations and then ops in one
// transaction. On failure nothing of it was written (a bbolt transaction is
// atomic) and the deferred operations stay deferred. Callers hold mu.
func (c *deferredClient) writeLocked(ctx context.Context, ops []*storage.Operation) error {
	if len(c.deferred) == 0 {
		if len(ops) == 0 {
			return nil
		}
		return c.client.Batch(ctx, ops...)
	}
	all := append(slices.Clip(c.deferred), ops...)
	if err := c.client.Batch(ctx, all...); err != nil {
		return err
	}
	c.deferred = c.deferred[:0]
	clear(c.latest)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	return nil
}

func (c *deferredClient) flushInBackground() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer = nil
	if c.closed {
		return
	}
	err := c.writeLocked(context.Background(), nil)
	switch {
	case err != nil && c.flushed:
		// Nothing is lost: the items are on disk; a crash before the next
		// flush delivers some of them again.
		c.logger.Warn("Persistent queue bookkeeping could not be written; retrying", zap.Int("deferred_operations", len(c.deferred)), zap.Error(err))
	case err == nil && !c.flushed:
		c.logger.Info("Persistent queue bookkeeping written again")
	}
	c.flushed = err == nil
	if err != nil && c.timer == nil {
		c.timer = time.AfterFunc(c.flushInterval, c.flushInBackground)
	}
}

// Close writes what is deferred, then closes the client.
func (c *deferredClient) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	clear(c.cached)
	c.cachedBytes = 0
	err := c.writeLocked(ctx, nil)
	if err != nil {
		c.logger.Warn("Persistent queue bookkeeping not written at shutdown; some items will be delivered again", zap.Error(err))
	}
	return c.client.Close(ctx)
}
