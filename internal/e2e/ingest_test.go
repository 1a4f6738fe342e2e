package e2e

import (
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// ingestRequest is what the fake ingest saw in one accepted or refused request.
type ingestRequest struct {
	Path            string
	Authorization   string
	ContentEncoding string
	ContentType     string
	Status          int
	Items           int
	// Resources holds the attributes of every resource in the request.
	Resources []map[string]any
	// Names are span names, metric names or log bodies, one per item.
	Names []string
}

// response is what the fake ingest answers to one request.
type response struct {
	Status     int
	RetryAfter string
}

// fakeIngest implements the Obtrace ingest contract (../shared/obtrace-ingest.md) on loopback:
// OTLP/HTTP protobuf on /otlp/v1/{traces,metrics,logs}, gzip or plain bodies.
type fakeIngest struct {
	server *httptest.Server

	mu       sync.Mutex
	requests []ingestRequest
	// respond chooses the answer to the n-th request (0-based) on a path; nil answers 200.
	respond func(path string, n int) response
	// respondTo, when set, chooses the answer from the whole decoded request (e.g. its key).
	respondTo func(r ingestRequest) response
	// delay is how long each request is held before it is answered (a slow ingest).
	delay   time.Duration
	perPath map[string]int
}

func newFakeIngest(t *testing.T, respond func(path string, n int) response) *fakeIngest {
	t.Helper()
	return newFakeIngestOn(t, "127.0.0.1:0", respond)
}

// newFakeIngestOn listens on addr, e.g. a port the collector was already told to send to while
// nothing listened there (connection refused).
func newFakeIngestOn(t *testing.T, addr string, respond func(path string, n int) response) *fakeIngest {
	t.Helper()
	f := &fakeIngest{respond: respond, perPath: map[string]int{}}
	f.server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f.server.Listener = l
	f.server.Start()
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeIngest) URL() string { return f.server.URL }

// setRespond changes how the ingest answers from now on.
func (f *fakeIngest) setRespond(respond func(path string, n int) response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = respond
}

// setRespondTo changes how the ingest answers from now on, by request.
func (f *fakeIngest) setRespondTo(respond func(r ingestRequest) response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respondTo = respond
}

// setDelay makes every following request wait d before it is answered.
func (f *fakeIngest) setDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

func (f *fakeIngest) handle(w http.ResponseWriter, r *http.Request) {
	req := ingestRequest{
		Path:            r.URL.Path,
		Authorization:   r.Header.Get("Authorization"),
		ContentEncoding: r.Header.Get("Content-Encoding"),
		ContentType:     r.Header.Get("Content-Type"),
	}
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := decodeInto(&req, body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	f.mu.Lock()
	n := f.perPath[req.Path]
	f.perPath[req.Path] = n + 1
	answer := response{Status: http.StatusOK}
	if f.respond != nil {
		answer = f.respond(req.Path, n)
	}
	if f.respondTo != nil {
		answer = f.respondTo(req)
	}
	delay := f.delay
	req.Status = answer.Status
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}

	if answer.RetryAfter != "" {
		w.Header().Set("Retry-After", answer.RetryAfter)
	}
	if answer.Status != http.StatusOK {
		w.WriteHeader(answer.Status)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func readBody(r *http.Request) ([]byte, error) {
	var reader io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		reader = gz
	}
	return io.ReadAll(reader)
}

func decodeInto(req *ingestRequest, body []byte) error {
	switch req.Path {
	case "/otlp/v1/traces":
		msg := ptraceotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		rss := msg.Traces().ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			req.Resources = append(req.Resources, rss.At(i).Resource().Attributes().AsRaw())
			for j := 0; j < rss.At(i).ScopeSpans().Len(); j++ {
				spans := rss.At(i).ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					req.Names = append(req.Names, spans.At(k).Name())
				}
			}
		}
	case "/otlp/v1/metrics":
		msg := pmetricotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		rms := msg.Metrics().ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			req.Resources = append(req.Resources, rms.At(i).Resource().Attributes().AsRaw())
			for j := 0; j < rms.At(i).ScopeMetrics().Len(); j++ {
				metrics := rms.At(i).ScopeMetrics().At(j).Metrics()
				for k := 0; k < metrics.Len(); k++ {
					for p := 0; p < dataPointCount(metrics.At(k)); p++ {
						req.Names = append(req.Names, metrics.At(k).Name())
					}
				}
			}
		}
	case "/otlp/v1/logs":
		msg := plogotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		rls := msg.Logs().ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			req.Resources = append(req.Resources, rls.At(i).Resource().Attributes().AsRaw())
			for j := 0; j < rls.At(i).ScopeLogs().Len(); j++ {
				records := rls.At(i).ScopeLogs().At(j).LogRecords()
				for k := 0; k < records.Len(); k++ {
					req.Names = append(req.Names, bodyString(records.At(k).Body()))
				}
			}
		}
	}
	req.Items = len(req.Names)
	return nil
}

func bodyString(v pcommon.Value) string { return v.AsString() }

func dataPointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

// Requests returns a copy of every request seen so far.
func (f *fakeIngest) Requests() []ingestRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ingestRequest(nil), f.requests...)
}

// Delivered counts the items of accepted (200) requests on a path.
func (f *fakeIngest) Delivered(path string) int {
	total := 0
	for _, r := range f.Requests() {
		if r.Path == path && r.Status == http.StatusOK {
			total += r.Items
		}
	}
	return total
}

// RequestCount counts requests on a path, whatever the answer.
func (f *fakeIngest) RequestCount(path string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func retryAfterSeconds(s int) string { return strconv.Itoa(s) }

// itemCounts is a number of items per ingest path.
type itemCounts map[string]int

// waitDelivered waits until the ingest has accepted at least want items on every path.
func (f *fakeIngest) waitDelivered(t *testing.T, timeout time.Duration, want itemCounts) {
	t.Helper()
	for path, n := range want {
		waitFor(t, timeout, fmt.Sprintf("%d items on %s", n, path), func() bool { return f.Delivered(path) >= n })
	}
}

// checkDeliveredExactly reports every path on which the ingest accepted other than want items.
func (f *fakeIngest) checkDeliveredExactly(t *testing.T, want itemCounts) {
	t.Helper()
	for path, n := range want {
		if got := f.Delivered(path); got != n {
			t.Errorf("%s: delivered %d items, want exactly %d", path, got, n)
		}
	}
}
