package bench

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// Sink plays Obtrace ingest (and any OTLP/HTTP backend) on 127.0.0.1: it
// accepts POSTs of protobuf export requests on /otlp/v1/{traces,metrics,logs}
// (the obtrace exporter) and /v1/{traces,metrics,logs} (the stock otlphttp
// exporter), checks "Authorization: Bearer <APIKey>", gunzips, counts the
// items and bytes, and answers 200 with an empty export response.
//
// It shares the body reading and the answer with the fake ingest
// (internal/ingesttest) but not its handler: that one decodes every request
// into pdata and records it, an allocation per item, where the sink counts
// items straight off the protobuf wire (count.go) without allocating.
type Sink struct {
	apiKey string
	// RecordMetricNames makes the sink keep the (name, unit) of every metric it
	// receives with its number of data points; see MetricNames.
	recordNames atomic.Bool
	// recordLatency makes the sink read the send-time stamp (stamp.go) of
	// every resource it receives into latency; see RecordLatency.
	recordLatency atomic.Bool
	latency       LatencyHistogram

	items        [3]atomic.Int64
	requests     [3]atomic.Int64
	wireBytes    atomic.Int64 // as received (compressed)
	rawBytes     atomic.Int64 // after gunzip
	unauthorized atomic.Int64
	rejected     atomic.Int64 // bad method, path, content type or body
	lastDelivery atomic.Int64 // unix nanoseconds of the last counted request

	mu    sync.Mutex
	names map[MetricKey]int64

	bufPool sync.Pool

	ln  net.Listener
	srv *http.Server
}

// SinkStats is a snapshot of a Sink's counters.
type SinkStats struct {
	Items        [3]int64 // by Signal
	Requests     [3]int64 // by Signal
	WireBytes    int64
	RawBytes     int64
	Unauthorized int64
	Rejected     int64
	LastDelivery time.Time
}

// Total is the number of items of every signal.
func (s SinkStats) Total() int64 { return s.Items[Traces] + s.Items[Metrics] + s.Items[Logs] }

// NewSink returns a sink that requires apiKey as bearer token (an empty
// apiKey requires none). It does not listen yet.
func NewSink(apiKey string) *Sink {
	s := &Sink{apiKey: apiKey, names: map[MetricKey]int64{}}
	s.bufPool.New = func() any { return new(bytes.Buffer) }
	return s
}

// Start listens on 127.0.0.1 on a random port and serves until Close.
func (s *Sink) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the base URL of the sink (http://127.0.0.1:port), without a trailing slash.
func (s *Sink) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the sink.
func (s *Sink) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// RecordMetricNames switches the recording of metric names and units on or off.
func (s *Sink) RecordMetricNames(on bool) { s.recordNames.Store(on) }

// RecordLatency switches the recording of end-to-end latency on or off: for
// every received resource that carries a send-time stamp, the time from the
// stamp to the moment its request body was read.
func (s *Sink) RecordLatency(on bool) { s.recordLatency.Store(on) }

// Latency returns the end-to-end latencies recorded so far.
func (s *Sink) Latency() LatencySnapshot { return s.latency.Snapshot() }

// MetricNames returns the (name, unit) of the metrics received while recording
// was on, with their number of data points.
func (s *Sink) MetricNames() map[MetricKey]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[MetricKey]int64, len(s.names))
	maps.Copy(out, s.names)
	return out
}

// Stats returns a snapshot of the counters.
func (s *Sink) Stats() SinkStats {
	var st SinkStats
	for i := range st.Items {
		st.Items[i] = s.items[i].Load()
		st.Requests[i] = s.requests[i].Load()
	}
	st.WireBytes = s.wireBytes.Load()
	st.RawBytes = s.rawBytes.Load()
	st.Unauthorized = s.unauthorized.Load()
	st.Rejected = s.rejected.Load()
	if ns := s.lastDelivery.Load(); ns != 0 {
		st.LastDelivery = time.Unix(0, ns)
	}
	return st
}

// signalOfPath maps /otlp/v1/<signal> and /v1/<signal> to the signal.
func signalOfPath(p string) (Signal, bool) {
	p = strings.TrimPrefix(p, "/otlp")
	switch p {
	case "/v1/traces":
		return Traces, true
	case "/v1/metrics":
		return Metrics, true
	case "/v1/logs":
		return Logs, true
	}
	return 0, false
}

func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/init" {
		// The obtrace exporter's start-up handshake (startup_check): answered
		// and counted nowhere, so it does not skew the figures.
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	sig, ok := signalOfPath(r.URL.Path)
	switch {
	case !ok:
		s.rejected.Add(1)
		http.Error(w, "unknown path", http.StatusNotFound)
		return
	case r.Method != http.MethodPost:
		s.rejected.Add(1)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	case s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey:
		s.unauthorized.Add(1)
		http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-protobuf"):
		s.rejected.Add(1)
		http.Error(w, "protobuf only", http.StatusUnsupportedMediaType)
		return
	}
	wire, raw, err := s.readBody(r)
	if err != nil {
		s.rejected.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	received := time.Now()
	defer s.bufPool.Put(raw)
	var n int
	if sig == Metrics && s.recordNames.Load() {
		local := map[MetricKey]int64{}
		n, err = CountDataPoints(raw.Bytes(), func(k MetricKey, points int) { local[k] += int64(points) })
		s.mu.Lock()
		for k, v := range local {
			s.names[k] += v
		}
		s.mu.Unlock()
	} else {
		n, err = CountItems(sig, raw.Bytes())
	}
	if err != nil {
		s.rejected.Add(1)
		http.Error(w, "cannot decode: "+err.Error(), http.StatusBadRequest)
		return
	}
	if s.recordLatency.Load() {
		_ = EachStamp(raw.Bytes(), func(sent time.Time) { s.latency.Record(received.Sub(sent)) })
	}
	s.items[sig].Add(int64(n))
	s.requests[sig].Add(1)
	s.wireBytes.Add(int64(wire))
	s.rawBytes.Add(int64(raw.Len()))
	s.lastDelivery.Store(time.Now().UnixNano())
	ingesttest.WriteOK(w)
}

// readBody returns the number of bytes on the wire and the decompressed body
// (a pooled buffer the caller puts back). The gunzip is ingesttest.ReadBody,
// the fake ingest's, with its pooled readers.
func (s *Sink) readBody(r *http.Request) (int, *bytes.Buffer, error) {
	buf := s.bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	wire, err := ingesttest.ReadBody(r, buf)
	if err != nil {
		s.bufPool.Put(buf)
		return 0, nil, err
	}
	return wire, buf, nil
}
