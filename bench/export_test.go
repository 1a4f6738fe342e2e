package bench_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/obtraceai/otelcol-obtrace/bench"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter"
)

// BenchmarkExport pushes the end-to-end benchmark's mix through one exporter
// in-process, the way the collector's pipeline does behind the batch
// processor: each operation decodes about bench.ExportBatchItems items of one
// signal (traces, metrics, logs in turn) from the benchmark's requests into one
// batch, as receiver + batch processor would, and hands it to the exporter,
// which queues it and sends it with gzip to an httptest server on 127.0.0.1
// that discards the body. At most exportInFlight batches are in flight (a
// closed loop, like the driver's load generator). Every variant runs with its
// defaults (sending queue, retry, gzip):
//
//   - stock: the upstream otlphttpexporter with "Authorization: Bearer";
//   - obtrace: this repository's exporter with the same key and the driver's
//     identity (tenant, project, app, env);
//   - obtrace-noidentity: the same without identity, so the difference to
//     stock is the exporter's wrapping alone (second exporterhelper, response
//     observer, telemetry) and the difference to obtrace is the cost of the
//     five resource attributes (enrichment, and their bytes marshalled and
//     gzipped).
//
// The decode is the same work for every variant, so the differences are the
// exporters'. For an A/B comparison that the machine's other load affects
// equally, run the variants alternately from one test binary:
//
//	go test -c -o /tmp/bench.test ./bench/
//	for i in 1 2 3 4 5; do for v in stock obtrace obtrace-noidentity; do
//	  /tmp/bench.test -test.run '^$' -test.bench "Export/$v\$" -test.benchtime 200x; done; done
//
// cpu-s/Mitems is the process's CPU (getrusage: every goroutine, GC and the
// discarding server included) per million items.
func BenchmarkExport(b *testing.B) {
	payloads := map[bench.Signal][]bench.Payload{}
	for _, sig := range bench.Signals {
		ps, err := bench.BuildPayloads(sig, bench.PayloadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		payloads[sig] = ps
	}
	for _, v := range []string{"stock", "obtrace", "obtrace-noidentity"} {
		b.Run(v, func(b *testing.B) { runExport(b, v, payloads) })
	}
}

// exportInFlight bounds the batches queued or being sent.
const exportInFlight = 4

const exportAPIKey = "obt_dev_benchmark0000000000000000"

// exporters is one variant's exporter per signal.
type exporters struct {
	traces  exporter.Traces
	metrics exporter.Metrics
	logs    exporter.Logs
}

func newExporters(b *testing.B, variant, url string) exporters {
	ctx := context.Background()
	var (
		f   exporter.Factory
		cfg any
	)
	switch variant {
	case "stock":
		f = otlphttpexporter.NewFactory()
		c := f.CreateDefaultConfig().(*otlphttpexporter.Config)
		c.ClientConfig.Endpoint = url
		c.ClientConfig.Headers = configopaque.MapList{{Name: "Authorization", Value: configopaque.String("Bearer " + exportAPIKey)}}
		cfg = c
	case "obtrace", "obtrace-noidentity":
		f = obtraceexporter.NewFactory()
		c := f.CreateDefaultConfig().(*obtraceexporter.Config)
		c.APIKey = exportAPIKey
		c.Endpoint = url
		if variant == "obtrace" {
			c.Identity = obtraceexporter.IdentityConfig{TenantID: "bench-tenant", ProjectID: "bench-project", AppID: "bench-app", Env: "bench"}
		}
		if err := c.Validate(); err != nil {
			b.Fatal(err)
		}
		cfg = c
	default:
		b.Fatalf("unknown variant %q", variant)
	}
	set := exportertest.NewNopSettings(f.Type())
	var (
		e   exporters
		err error
	)
	if e.traces, err = f.CreateTraces(ctx, set, cfg); err != nil {
		b.Fatal(err)
	}
	if e.metrics, err = f.CreateMetrics(ctx, set, cfg); err != nil {
		b.Fatal(err)
	}
	if e.logs, err = f.CreateLogs(ctx, set, cfg); err != nil {
		b.Fatal(err)
	}
	host := componenttest.NewNopHost()
	if err := e.traces.Start(ctx, host); err != nil {
		b.Fatal(err)
	}
	if err := e.metrics.Start(ctx, host); err != nil {
		b.Fatal(err)
	}
	if err := e.logs.Start(ctx, host); err != nil {
		b.Fatal(err)
	}
	return e
}

func (e exporters) shutdown(b *testing.B) {
	ctx := context.Background()
	for _, err := range []error{e.traces.Shutdown(ctx), e.metrics.Shutdown(ctx), e.logs.Shutdown(ctx)} {
		if err != nil {
			b.Error(err)
		}
	}
}

// consume decodes payloads, starting at the i-th, until the batch holds at
// least bench.ExportBatchItems items, and hands the batch to e.
func (e exporters) consume(ctx context.Context, sig bench.Signal, ps []bench.Payload, i int) (items int, err error) {
	switch sig {
	case bench.Traces:
		td := ptrace.NewTraces()
		for n := i; items < bench.ExportBatchItems; n++ {
			p, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(ps[n%len(ps)].Body)
			if err != nil {
				return 0, err
			}
			items += p.SpanCount()
			p.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
		}
		return items, e.traces.ConsumeTraces(ctx, td)
	case bench.Metrics:
		md := pmetric.NewMetrics()
		for n := i; items < bench.ExportBatchItems; n++ {
			p, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(ps[n%len(ps)].Body)
			if err != nil {
				return 0, err
			}
			items += p.DataPointCount()
			p.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
		}
		return items, e.metrics.ConsumeMetrics(ctx, md)
	default:
		ld := plog.NewLogs()
		for n := i; items < bench.ExportBatchItems; n++ {
			p, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(ps[n%len(ps)].Body)
			if err != nil {
				return 0, err
			}
			items += p.LogRecordCount()
			p.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
		}
		return items, e.logs.ConsumeLogs(ctx, ld)
	}
}

func runExport(b *testing.B, variant string, payloads map[bench.Signal][]bench.Payload) {
	tokens := make(chan struct{}, exportInFlight)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
		<-tokens
	}))
	defer srv.Close()

	e := newExporters(b, variant, srv.URL)
	defer e.shutdown(b)

	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	items := 0
	for i := 0; i < b.N; i++ {
		tokens <- struct{}{}
		sig := bench.Signals[i%len(bench.Signals)]
		n, err := e.consume(ctx, sig, payloads[sig], i)
		if err != nil {
			b.Fatal(err)
		}
		items += n
	}
	for range exportInFlight { // wait for the last batches to reach the server
		tokens <- struct{}{}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(cpu.Seconds()/float64(items)*1e6, "cpu-s/Mitems")
}

// processCPU is the process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
