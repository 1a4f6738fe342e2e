package ingesttest

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TB is what New needs of a *testing.T. The package does not import testing:
// bench's driver binary links it for ReadBody and WriteOK.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Ingest is the fake Obtrace ingest (see the package comment).
type Ingest struct {
	server *httptest.Server

	mu       sync.Mutex
	requests []Request
	respond  Responder
	delay    time.Duration
	perPath  map[string]int
}

// New starts an ingest on 127.0.0.1 on a random port, answering with respond
// (OK if nil). It closes when the test ends.
func New(tb TB, respond Responder) *Ingest {
	tb.Helper()
	return NewOn(tb, "127.0.0.1:0", respond)
}

// NewOn is New on addr, e.g. a port a collector was told to send to while
// nothing listened there (connection refused).
func NewOn(tb TB, addr string, respond Responder) *Ingest {
	tb.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	f := &Ingest{perPath: map[string]int{}}
	f.SetResponder(respond)
	f.server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	f.server.Listener = l
	f.server.Start()
	tb.Cleanup(f.server.Close)
	return f
}

// URL is the base URL, http://127.0.0.1:port.
func (f *Ingest) URL() string { return f.server.URL }

// SetResponder changes how the ingest answers from now on (OK if nil).
func (f *Ingest) SetResponder(respond Responder) {
	if respond == nil {
		respond = OK
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = respond
}

// SetDelay makes every following request wait d, once recorded, before it is answered.
func (f *Ingest) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Requests returns a copy of every request answered so far, in answer order.
func (f *Ingest) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

func (f *Ingest) handle(w http.ResponseWriter, r *http.Request) {
	req := Request{
		Path:            r.URL.Path,
		Header:          r.Header.Clone(),
		Authorization:   r.Header.Get("Authorization"),
		ContentEncoding: r.Header.Get("Content-Encoding"),
		ContentType:     r.Header.Get("Content-Type"),
		Traces:          ptrace.NewTraces(),
		Metrics:         pmetric.NewMetrics(),
		Logs:            plog.NewLogs(),
	}
	var body bytes.Buffer
	if _, err := ReadBody(r, &body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if sig := signalOf(req.Path); sig != notSignal {
		if req.ContentType != "application/x-protobuf" {
			http.Error(w, "unexpected content type "+req.ContentType, http.StatusUnsupportedMediaType)
			return
		}
		if err := req.decode(sig, body.Bytes()); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}

	f.mu.Lock()
	f.perPath[req.Path]++
	req.N = f.perPath[req.Path]
	respond := f.respond
	f.mu.Unlock()

	// Outside the lock: a responder may wait (e.g. for the test to let the ingest up).
	answer := respond(req)
	if answer.Status == 0 {
		answer.Status = http.StatusOK
	}
	req.Status = answer.Status

	f.mu.Lock()
	f.requests = append(f.requests, req)
	delay := f.delay
	f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	answer.write(w)
}
