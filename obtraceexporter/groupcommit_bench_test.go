package obtraceexporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkDurableConsume measures what a client waits for on the durable
// gateway: ConsumeTraces into a persistent queue on an fsynced file_storage,
// from concurrent clients (100 spans a request), with and without group
// commit. Delivery runs behind it to a local HTTP server that discards the
// body, as in configs/gateway.yaml (batches of 8192 in the queue).
//
//	go test -run '^$' -bench DurableConsume -benchtime 3s ./obtraceexporter/
func BenchmarkDurableConsume(b *testing.B) {
	for _, clients := range []int{4, 32} {
		for _, group := range []bool{false, true} {
			b.Run(fmt.Sprintf("clients=%d/group_commit=%t", clients, group), func(b *testing.B) {
				benchmarkDurableConsume(b, clients, group)
			})
		}
	}
}

func benchmarkDurableConsume(b *testing.B, clients int, groupCommit bool) {
	ingest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(ingest.Close)

	host := extensionsHost{testStorageID: newFileStorage(b, b.TempDir(), func(c *filestorage.Config) { c.FSync = true })}

	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = testAPIKey
	cfg.Endpoint = ingest.URL
	cfg.StartupCheck = false
	cfg.PersistentQueue.GroupCommit = groupCommit
	queue := cfg.QueueConfig.Get()
	queue.StorageID = &testStorageID
	queue.QueueSize = 100_000
	queue.Batch = configoptional.Some(exporterhelper.BatchConfig{FlushTimeout: 200 * time.Millisecond, Sizer: exporterhelper.RequestSizerTypeItems, MinSize: 8192})

	set, _ := testSettings(component.TelemetrySettings{})
	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(b, err)
	require.NoError(b, exp.Start(context.Background(), host))
	b.Cleanup(func() { require.NoError(b, exp.Shutdown(context.Background())) })

	// Each client sends a copy: the exporter takes its requests over (group commit moves them).
	template := request("a", "client", 100)
	var refused atomic.Int64
	// RunParallel runs parallelism × GOMAXPROCS goroutines: the clients.
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	var sent atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			td := ptrace.NewTraces()
			template.CopyTo(td)
			if err := exp.ConsumeTraces(context.Background(), td); err != nil {
				refused.Add(1)
				continue
			}
			sent.Add(100)
		}
	})
	b.ReportMetric(float64(sent.Load())/time.Since(start).Seconds(), "spans/s")
	require.Zero(b, refused.Load(), "the queue refused requests")
}
