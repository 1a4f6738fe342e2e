// Package loadgen sends pre-encoded OTLP export requests to a collector over
// OTLP/gRPC and OTLP/HTTP from a bounded number of workers, for a bounded time
// or number of items, and counts exactly what the collector accepted and
// refused. It never retries: every request is counted once, as accepted (2xx /
// gRPC OK, less any partial-success rejections), refused (any other answer) or
// unknown (no answer: the collector may or may not have taken it).
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
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
	// Rate, if > 0, makes the load open-loop: requests are started at this
	// many items per second in total, whatever the answers, by the Workers
	// (which then bound the requests in flight). 0: closed loop, each worker
	// sends its next request when the previous one is answered.
	Rate float64
	// BearerToken, if set, is sent as "Authorization: Bearer <token>" (gRPC
	// metadata or HTTP header) with every request.
	BearerToken string
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
	token    string
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

// send sends one request (body, a request of signal sig) and returns its
// outcome and, when accepted, the number of items the collector rejected
// through partial success.
func (c *client) send(proto Protocol, sig bench.Signal, body []byte) (outcome, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if proto == GRPC {
		if c.conn == nil {
			return refused, 0, errors.New("no gRPC address")
		}
		if c.token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
		}
		req, resp := body, []byte(nil)
		err := c.conn.Invoke(ctx, grpcMethods[sig], &req, &resp)
		if err != nil {
			switch status.Code(err) {
			case codes.DeadlineExceeded, codes.Canceled:
				return unknown, 0, err
			}
			return refused, 0, err
		}
		return accepted, bench.RejectedItems(resp), nil
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.httpBase+httpPaths[sig], bytes.NewReader(body))
	if err != nil {
		return refused, 0, err
	}
	hreq.Header.Set("Content-Type", "application/x-protobuf")
	if c.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.token)
	}
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
