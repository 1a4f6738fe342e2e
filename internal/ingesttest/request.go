package ingesttest

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/obtraceai/otelcol-obtrace/internal/pdatautil"
)

// Request is one request as the ingest saw it.
type Request struct {
	// N numbers the requests on Path from 1.
	N               int
	Path            string
	Header          http.Header
	Authorization   string
	ContentEncoding string
	ContentType     string
	// Status is what the ingest answered (set once the Responder has chosen).
	Status int
	// Items is the number of spans, metric data points or log records.
	Items int
	// Resources holds the attributes of every resource in the request.
	Resources []map[string]any
	// Names are span names, metric names (one per data point) or log bodies, one per item.
	Names []string
	// Traces, Metrics and Logs are the decoded request; empty but for its signal.
	Traces  ptrace.Traces
	Metrics pmetric.Metrics
	Logs    plog.Logs
}

// signal is which decoder a path takes, by its last element.
type signal int

const (
	notSignal signal = iota
	tracesSignal
	metricsSignal
	logsSignal
)

func signalOf(path string) signal {
	switch {
	case strings.HasSuffix(path, "/traces"):
		return tracesSignal
	case strings.HasSuffix(path, "/metrics"):
		return metricsSignal
	case strings.HasSuffix(path, "/logs"):
		return logsSignal
	}
	return notSignal
}

// decode fills req from a protobuf export request body.
func (req *Request) decode(sig signal, body []byte) error {
	switch sig {
	case tracesSignal:
		msg := ptraceotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		req.Traces = msg.Traces()
		req.summarizeTraces()
	case metricsSignal:
		msg := pmetricotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		req.Metrics = msg.Metrics()
		req.summarizeMetrics()
	case logsSignal:
		msg := plogotlp.NewExportRequest()
		if err := msg.UnmarshalProto(body); err != nil {
			return err
		}
		req.Logs = msg.Logs()
		req.summarizeLogs()
	}
	req.Items = len(req.Names)
	return nil
}

func (req *Request) summarizeTraces() {
	rss := req.Traces.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		req.Resources = append(req.Resources, rss.At(i).Resource().Attributes().AsRaw())
		for j := 0; j < rss.At(i).ScopeSpans().Len(); j++ {
			spans := rss.At(i).ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				req.Names = append(req.Names, spans.At(k).Name())
			}
		}
	}
}

func (req *Request) summarizeMetrics() {
	rms := req.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		req.Resources = append(req.Resources, rms.At(i).Resource().Attributes().AsRaw())
		for j := 0; j < rms.At(i).ScopeMetrics().Len(); j++ {
			metrics := rms.At(i).ScopeMetrics().At(j).Metrics()
			for k := 0; k < metrics.Len(); k++ {
				for p := 0; p < pdatautil.DataPointCount(metrics.At(k)); p++ {
					req.Names = append(req.Names, metrics.At(k).Name())
				}
			}
		}
	}
}

func (req *Request) summarizeLogs() {
	rls := req.Logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		req.Resources = append(req.Resources, rls.At(i).Resource().Attributes().AsRaw())
		for j := 0; j < rls.At(i).ScopeLogs().Len(); j++ {
			records := rls.At(i).ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				req.Names = append(req.Names, records.At(k).Body().AsString())
			}
		}
	}
}
