package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// fakeCollector is an OTLP/gRPC server that counts items and rejects
// rejectPerMetricsRequest data points of every metrics request through
// partial success.
type fakeCollector struct {
	items                   atomic.Int64
	metricsRequests         atomic.Int64
	rejectPerMetricsRequest int64
}

func (f *fakeCollector) traces() ptraceotlp.GRPCServer   { return &tracesSrv{fakeCollector: f} }
func (f *fakeCollector) metrics() pmetricotlp.GRPCServer { return &metricsSrv{fakeCollector: f} }
func (f *fakeCollector) logs() plogotlp.GRPCServer       { return &logsSrv{fakeCollector: f} }

type tracesSrv struct {
	ptraceotlp.UnimplementedGRPCServer
	*fakeCollector
}

func (s *tracesSrv) Export(_ context.Context, r ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.items.Add(int64(r.Traces().SpanCount()))
	return ptraceotlp.NewExportResponse(), nil
}

type metricsSrv struct {
	pmetricotlp.UnimplementedGRPCServer
	*fakeCollector
}

func (s *metricsSrv) Export(_ context.Context, r pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	s.items.Add(int64(r.Metrics().DataPointCount()) - s.rejectPerMetricsRequest)
	s.metricsRequests.Add(1)
	resp := pmetricotlp.NewExportResponse()
	if s.rejectPerMetricsRequest > 0 {
		resp.PartialSuccess().SetRejectedDataPoints(s.rejectPerMetricsRequest)
		resp.PartialSuccess().SetErrorMessage("some points were bad")
	}
	return resp, nil
}

type logsSrv struct {
	plogotlp.UnimplementedGRPCServer
	*fakeCollector
}

func (s *logsSrv) Export(_ context.Context, r plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	s.items.Add(int64(r.Logs().LogRecordCount()))
	return plogotlp.NewExportResponse(), nil
}

func startGRPC(t *testing.T, f *fakeCollector) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, f.traces())
	pmetricotlp.RegisterGRPCServer(srv, f.metrics())
	plogotlp.RegisterGRPCServer(srv, f.logs())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

func steps(t *testing.T, protos ...Protocol) []Step {
	t.Helper()
	var out []Step
	for _, p := range protos {
		for _, sig := range bench.Signals {
			ps, err := bench.BuildPayloads(sig, bench.PayloadOptions{ItemsPerRequest: 10, Variants: 2})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, Step{Protocol: p, Payloads: ps})
		}
	}
	return out
}

func TestRunCountsExactly(t *testing.T) {
	f := &fakeCollector{rejectPerMetricsRequest: 3}
	grpcAddr := startGRPC(t, f)
	sink := bench.NewSink("")
	if err := sink.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := sink.Close(); err != nil {
			t.Error(err)
		}
	}()

	res, err := Run(context.Background(), Config{
		GRPCAddr: grpcAddr,
		HTTPAddr: strings.TrimPrefix(sink.URL(), "http://"),
		Steps:    steps(t, GRPC, HTTP),
		Workers:  3,
		MaxItems: 6000,
		Duration: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent() != 6000 || res.Unknown != 0 {
		t.Fatalf("sent %d unknown %d (%s), want 6000 and 0", res.Sent(), res.Unknown, res.FirstError)
	}
	delivered := f.items.Load() + sink.Stats().Total()
	if res.Accepted != delivered {
		t.Errorf("accepted %d, servers counted %d", res.Accepted, delivered)
	}
	// every gRPC metrics request had 3 points rejected through partial success
	if want := 3 * f.metricsRequests.Load(); res.Requests != 600 || res.Refused != want || want == 0 {
		t.Errorf("requests %d refused %d, want 600 and %d", res.Requests, res.Refused, want)
	}
	if res.AcceptedBySignal[bench.Traces]+res.AcceptedBySignal[bench.Metrics]+res.AcceptedBySignal[bench.Logs] != res.Accepted {
		t.Errorf("by signal %v, accepted %d", res.AcceptedBySignal, res.Accepted)
	}
}

func TestRunCountsRefusalsAndStopsOnTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "queue is full", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	start := time.Now()
	res, err := Run(context.Background(), Config{
		HTTPAddr: strings.TrimPrefix(srv.URL, "http://"),
		Steps:    steps(t, HTTP),
		Workers:  2,
		Duration: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("ran %v", d)
	}
	if res.Accepted != 0 || res.Refused == 0 || res.Refused != res.Sent() || !strings.Contains(res.FirstError, "503") {
		t.Errorf("%+v", res)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	_, err := Run(context.Background(), Config{HTTPAddr: "collector.example.invalid:4318", Steps: steps(t, HTTP), Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("err = %v", err)
	}
}

func TestRejectedItems(t *testing.T) {
	resp := ptraceotlp.NewExportResponse()
	resp.PartialSuccess().SetRejectedSpans(42)
	resp.PartialSuccess().SetErrorMessage("x")
	b, err := resp.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	if got := bench.RejectedItems(b); got != 42 {
		t.Errorf("RejectedItems = %d", got)
	}
	if got := bench.RejectedItems(nil); got != 0 {
		t.Errorf("empty: %d", got)
	}
}

// Open loop: the pacer never runs ahead of the rate (a lower bound on the
// time, which a busy machine cannot break), every request carries the bearer
// token (the sink refuses it otherwise) and a send-time stamp the sink reads.
func TestRunOpenLoopPacesStampsAndAuthenticates(t *testing.T) {
	sink := bench.NewSink("receiver-token")
	if err := sink.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := sink.Close(); err != nil {
			t.Error(err)
		}
	}()
	sink.RecordLatency(true)
	var st []Step
	for _, sig := range bench.Signals {
		ps, err := bench.BuildPayloads(sig, bench.PayloadOptions{ItemsPerRequest: 10, Variants: 2, Stamp: true})
		if err != nil {
			t.Fatal(err)
		}
		st = append(st, Step{Protocol: HTTP, Payloads: ps})
	}
	start := time.Now()
	res, err := Run(context.Background(), Config{
		HTTPAddr:    strings.TrimPrefix(sink.URL(), "http://"),
		Steps:       st,
		Workers:     8,
		Rate:        2000, // items/s: 300 items take at least 0.14 s after the first request
		MaxItems:    300,
		Duration:    20 * time.Second,
		BearerToken: "receiver-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 300 || sink.Stats().Total() != 300 || sink.Stats().Unauthorized != 0 {
		t.Fatalf("accepted %d, sink %d, unauthorized %d (%s)", res.Accepted, sink.Stats().Total(), sink.Stats().Unauthorized, res.FirstError)
	}
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("300 items at 2000 items/s sent in %v", d)
	}
	if n := sink.Latency().Count(); n != res.Requests {
		t.Errorf("%d latencies recorded for %d requests", n, res.Requests)
	}
}
