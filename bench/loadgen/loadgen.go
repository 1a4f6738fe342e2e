// Package loadgen sends pre-encoded OTLP export requests to a collector over
// OTLP/gRPC and OTLP/HTTP from a bounded number of workers, for a bounded time
// or number of items, and counts exactly what the collector accepted and
// refused. It never retries: every request is counted once, as accepted (2xx /
// gRPC OK, less any partial-success rejections), refused (any other answer) or
// unknown (no answer: the collector may or may not have taken it).
package loadgen // import "github.com/obtraceai/otelcol-obtrace/bench/loadgen"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// Protocol is the OTLP transport.
type Protocol int

// The OTLP transports.
const (
	GRPC Protocol = iota
	HTTP
)

func (p Protocol) String() string {
	if p == GRPC {
		return "grpc"
	}
	return "http"
}

// Step is one kind of request in a worker's cycle: a transport and the
// payloads (all of one signal) it sends in turn.
type Step struct {
	Protocol Protocol
	Payloads []bench.Payload
}

// Config is a load run.
type Config struct {
	// GRPCAddr and HTTPAddr are host:port of the collector's OTLP receivers.
	// Both must be loopback addresses.
	GRPCAddr, HTTPAddr string
	// Steps is the cycle every worker goes through (worker i starts at step
	// i mod len(Steps)), so the mix of signals and transports is fixed.
	Steps []Step
	// Workers is the number of concurrent senders (each has one request in
	// flight at a time). Default 4.
	Workers int
	// Duration bounds the run; MaxItems (if > 0) bounds the items sent.
	// At least one of them must be set.
	Duration time.Duration
	MaxItems int64
	// Timeout of one request. Default 10s.
	Timeout time.Duration
}

// Result counts what happened, in items (spans, data points, log records).
type Result struct {
	Accepted, Refused, Unknown int64
	// AcceptedBySignal splits Accepted by signal.
	AcceptedBySignal [3]int64
	Requests         int64
	// MeanLatency is the mean time from sending a request to its answer.
	MeanLatency time.Duration
	Elapsed     time.Duration
	// FirstError is the first refusal or transport error, if any.
	FirstError string
}

// Sent is every item the generator sent.
func (r Result) Sent() int64 { return r.Accepted + r.Refused + r.Unknown }

// outcome of one request.
type outcome int

const (
	accepted outcome = iota
	refused
	unknown
)

// Run sends load until ctx ends, Duration passes or MaxItems items were sent.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Duration <= 0 && cfg.MaxItems <= 0 {
		return Result{}, errors.New("loadgen: set Duration or MaxItems")
	}
	if len(cfg.Steps) == 0 {
		return Result{}, errors.New("loadgen: no steps")
	}
	c := &client{timeout: cfg.Timeout}
	for _, st := range cfg.Steps {
		if len(st.Payloads) == 0 {
			return Result{}, errors.New("loadgen: a step has no payloads")
		}
		switch st.Protocol {
		case GRPC:
			if err := checkLoopback(cfg.GRPCAddr); err != nil {
				return Result{}, err
			}
		case HTTP:
			if err := checkLoopback(cfg.HTTPAddr); err != nil {
				return Result{}, err
			}
		}
	}
	if err := c.dial(cfg.GRPCAddr, cfg.HTTPAddr, cfg.Workers); err != nil {
		return Result{}, err
	}
	defer c.close()

	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var (
		res      Result
		reserved atomic.Int64
		mu       sync.Mutex
		wg       sync.WaitGroup
		acc      [3]atomic.Int64
		ref, unk atomic.Int64
		reqs     atomic.Int64
		latency  atomic.Int64
	)
	start := time.Now()
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				if ctx.Err() != nil {
					return
				}
				st := cfg.Steps[(w+i)%len(cfg.Steps)]
				p := st.Payloads[(w+i/len(cfg.Steps))%len(st.Payloads)]
				if cfg.MaxItems > 0 && reserved.Add(int64(p.Items)) > cfg.MaxItems {
					return
				}
				// The request itself is not bound to ctx: once sent it runs to
				// its answer (or Timeout), so that the end of the run does not
				// turn requests the collector took into "unknown".
				t0 := time.Now()
				out, rejected, err := c.send(st.Protocol, p)
				latency.Add(int64(time.Since(t0)))
				reqs.Add(1)
				switch out {
				case accepted:
					acc[p.Signal].Add(int64(p.Items) - rejected)
					ref.Add(rejected)
				case refused:
					ref.Add(int64(p.Items))
				case unknown:
					unk.Add(int64(p.Items))
				}
				if err != nil {
					mu.Lock()
					if res.FirstError == "" {
						res.FirstError = fmt.Sprintf("%s %s: %v", st.Protocol, p.Signal, err)
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for i := range acc {
		res.AcceptedBySignal[i] = acc[i].Load()
		res.Accepted += res.AcceptedBySignal[i]
	}
	res.Refused, res.Unknown, res.Requests = ref.Load(), unk.Load(), reqs.Load()
	if res.Requests > 0 {
		res.MeanLatency = time.Duration(latency.Load() / res.Requests)
	}
	return res, nil
}

func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("loadgen: address %q: %w", hostport, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("loadgen: %q is not a loopback address; the load generator only targets 127.0.0.0/8 or ::1", hostport)
	}
	return nil
}

type client struct {
	timeout  time.Duration
	conn     *grpc.ClientConn
	http     *http.Client
	httpBase string
}

func (c *client) dial(grpcAddr, httpAddr string, workers int) error {
	if grpcAddr != "" {
		conn, err := grpc.NewClient(grpcAddr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
		if err != nil {
			return fmt.Errorf("loadgen: grpc: %w", err)
		}
		c.conn = conn
	}
	c.httpBase = "http://" + httpAddr
	c.http = &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: workers,
		MaxConnsPerHost:     workers,
		IdleConnTimeout:     30 * time.Second,
	}}
	return nil
}

func (c *client) close() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.http.CloseIdleConnections()
}

var grpcMethods = [3]string{
	bench.Traces:  "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	bench.Metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	bench.Logs:    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}

var httpPaths = [3]string{bench.Traces: "/v1/traces", bench.Metrics: "/v1/metrics", bench.Logs: "/v1/logs"}

// send sends one request and returns its outcome and, when accepted, the
// number of items the collector rejected through partial success.
func (c *client) send(proto Protocol, p bench.Payload) (outcome, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if proto == GRPC {
		if c.conn == nil {
			return refused, 0, errors.New("no gRPC address")
		}
		req, resp := p.Body, []byte(nil)
		err := c.conn.Invoke(ctx, grpcMethods[p.Signal], &req, &resp)
		if err != nil {
			switch status.Code(err) {
			case codes.DeadlineExceeded, codes.Canceled:
				return unknown, 0, err
			}
			return refused, 0, err
		}
		return accepted, bench.RejectedItems(resp), nil
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.httpBase+httpPaths[p.Signal], bytes.NewReader(p.Body))
	if err != nil {
		return refused, 0, err
	}
	hreq.Header.Set("Content-Type", "application/x-protobuf")
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return unknown, 0, err
	}
	body, rerr := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	_ = hresp.Body.Close()
	if hresp.StatusCode/100 != 2 {
		return refused, 0, fmt.Errorf("HTTP %d: %.200s", hresp.StatusCode, body)
	}
	if rerr != nil { // accepted: the status line says so
		return accepted, 0, nil
	}
	return accepted, bench.RejectedItems(body), nil
}

// rawCodec passes pre-encoded protobuf bytes through gRPC unchanged (the
// payloads are serialized once, not per request). Its name is "proto" so the
// collector sees an ordinary application/grpc+proto call.
type rawCodec struct{}

var _ encoding.CodecV2 = rawCodec{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(*b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }
