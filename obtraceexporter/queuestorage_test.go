package obtraceexporter

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// countingStorage is a storage extension that records every transaction its
// clients run on the real file_storage behind it.
type countingStorage struct {
	storage.Extension
	mu   sync.Mutex
	txns [][]storage.Operation // copies: type and key of each operation
	fail error                 // returned instead of writing, when set
}

func (s *countingStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	client, err := s.Extension.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return countingClient{Client: client, storage: s}, nil
}

func (s *countingStorage) transactions() [][]storage.Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]storage.Operation(nil), s.txns...)
}

type countingClient struct {
	storage.Client
	storage *countingStorage
}

func (c countingClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	c.storage.mu.Lock()
	txn := make([]storage.Operation, len(ops))
	for i, op := range ops {
		txn[i] = storage.Operation{Type: op.Type, Key: op.Key}
	}
	c.storage.txns = append(c.storage.txns, txn)
	fail := c.storage.fail
	c.storage.mu.Unlock()
	if fail != nil {
		return fail
	}
	return c.Client.Batch(ctx, ops...)
}

// persistentConfig is testConfig with a persistent queue on testStorageID,
// one consumer and no batching, so each request is one queue item.
func persistentConfig(f *ingesttest.Ingest) *Config {
	cfg := testConfig(f)
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.StorageID = &testStorageID
	queue.NumConsumers = 1
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(queue)
	return cfg
}

// TestDeferredStorageWithThePersistentQueue drives exporterhelper's real
// persistent queue on a real file_storage: one transaction per item (its
// Offer), bookkeeping carried in the next one or flushed after the
// interval, everything flushed at shutdown so a restart delivers nothing again.
// It fails when upstream renames its metadata key (every Read would then be
// taken for an item write) or adds a transaction per item.
func TestDeferredStorageWithThePersistentQueue(t *testing.T) {
	f := ingesttest.New(t, nil)
	dir := t.TempDir()
	counting := &countingStorage{Extension: newFileStorage(t, dir).(storage.Extension)}
	host := extensionsHost{testStorageID: counting}
	cfg := persistentConfig(f)
	cfg.PersistentQueue.BookkeepingInterval = time.Hour // only item writes and shutdown flush
	set, _ := testSettings(component.TelemetrySettings{})

	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	start := len(counting.transactions()) // the queue's start-up reads
	const requests = 20
	for i := range requests {
		require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "svc-" + strconv.Itoa(i)})))
		require.Eventually(t, func() bool { return len(f.Requests()) == i+1 }, 5*time.Second, time.Millisecond)
	}
	txns := counting.transactions()[start:]
	assert.Len(t, txns, requests, "one transaction per item: its Offer, with the bookkeeping before it")
	for _, txn := range txns {
		for _, op := range txn {
			if op.Type == storage.Set && op.Key != queueMetadataKey {
				_, err := strconv.ParseUint(op.Key, 10, 64)
				require.NoError(t, err, "the queue stores items under their index; %q is neither that nor %q", op.Key, queueMetadataKey)
			}
		}
	}
	assert.Greater(t, len(txns[requests-1]), 2, "the last Offer carries the earlier items' deletes")

	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Len(t, counting.transactions(), start+requests+1, "shutdown writes the deferred bookkeeping")

	// A restart on the same file delivers nothing again.
	exp, err = NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "after-restart"})))
	require.Eventually(t, func() bool { return len(f.Requests()) == requests+1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Len(t, f.Requests(), requests+1)
}

func TestDeferredClientFlushesAfterTheInterval(t *testing.T) {
	counting := &countingStorage{Extension: newFileStorage(t, t.TempDir()).(storage.Extension)}
	raw, err := counting.GetClient(context.Background(), component.KindExporter, component.MustNewID("obtrace"), "traces")
	require.NoError(t, err)
	client := newDeferredClient(raw, 20*time.Millisecond, zap.NewNop())
	ctx := context.Background()

	require.NoError(t, client.Batch(ctx, storage.SetOperation(queueMetadataKey, []byte("m1")), storage.SetOperation("0", []byte("item"))))
	read := storage.GetOperation("0")
	require.NoError(t, client.Batch(ctx, storage.SetOperation(queueMetadataKey, []byte("m2")), read))
	assert.Equal(t, []byte("item"), read.Value, "a fresh item is read from memory")
	require.NoError(t, client.Batch(ctx, storage.DeleteOperation("0"), storage.SetOperation(queueMetadataKey, []byte("m3"))))
	assert.Len(t, counting.transactions(), 1, "the Read and the delete wait")

	meta := storage.GetOperation(queueMetadataKey)
	gone := storage.GetOperation("0")
	require.NoError(t, client.Batch(ctx, meta, gone))
	assert.Equal(t, []byte("m3"), meta.Value, "a Get sees the deferred writes")
	assert.Nil(t, gone.Value)

	require.Eventually(t, func() bool { return len(counting.transactions()) == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []storage.Operation{
		{Type: storage.Set, Key: queueMetadataKey}, {Type: storage.Delete, Key: "0"}, {Type: storage.Set, Key: queueMetadataKey},
	}, counting.transactions()[1], "the deferred operations, in order")
	value, err := raw.Get(ctx, queueMetadataKey)
	require.NoError(t, err)
	assert.Equal(t, []byte("m3"), value)
	require.NoError(t, client.Close(ctx))
}

// TestDeferredClientKeepsBookkeepingAFailedWriteDidNotStore checks that a
// failed transaction (a full disk) loses neither the item write's
// bookkeeping nor anything after it.
func TestDeferredClientKeepsBookkeepingAFailedWriteDidNotStore(t *testing.T) {
	counting := &countingStorage{Extension: newFileStorage(t, t.TempDir()).(storage.Extension)}
	raw, err := counting.GetClient(context.Background(), component.KindExporter, component.MustNewID("obtrace"), "traces")
	require.NoError(t, err)
	client := newDeferredClient(raw, time.Hour, zap.NewNop())
	ctx := context.Background()

	require.NoError(t, client.Batch(ctx, storage.DeleteOperation("7"), storage.SetOperation(queueMetadataKey, []byte("m1"))))
	counting.mu.Lock()
	counting.fail = errors.New("no space left on device")
	counting.mu.Unlock()
	require.Error(t, client.Batch(ctx, storage.SetOperation(queueMetadataKey, []byte("m2")), storage.SetOperation("8", []byte("item"))))
	read := storage.GetOperation("8")
	counting.mu.Lock()
	counting.fail = nil
	counting.mu.Unlock()
	require.NoError(t, client.Batch(ctx, read))
	assert.Nil(t, read.Value, "a refused item is not cached")

	require.NoError(t, client.Close(ctx))
	reopened, err := counting.Extension.GetClient(ctx, component.KindExporter, component.MustNewID("obtrace"), "traces")
	require.NoError(t, err)
	value, err := reopened.Get(ctx, queueMetadataKey)
	require.NoError(t, err)
	assert.Equal(t, []byte("m1"), value, "the deferred bookkeeping survived the failed write and was written at close")
	require.NoError(t, reopened.Close(ctx))
}
