package obtraceexporter

import (
	"context"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// batch is one signal's data on its way to ingest, with what delivery needs
// to send it, split it (413), keep it (dead-letter queue) and retry part of it.
type batch interface {
	itemCount() int
	// serviceNames lists the batch's service.name values (for refusal logs).
	serviceNames() []string
	// call makes one upstream request.
	call(ctx context.Context) error
	// halves copies the batch into two halves; false when it is one record
	// (span, metric or log record) and cannot be split.
	halves() (batch, batch, bool)
	// marshal is the OTLP protobuf encoding of the data.
	marshal() ([]byte, error)
	// retryOnly wraps err so that exporterhelper retries only this batch's data.
	retryOnly(err error) error
}

type tracesBatch struct {
	td       ptrace.Traces
	upstream consumer.Traces
}

func (b tracesBatch) itemCount() int { return b.td.SpanCount() }

func (b tracesBatch) serviceNames() []string {
	rss := b.td.ResourceSpans()
	return serviceNames(rss.Len(), func(i int) pcommon.Resource { return rss.At(i).Resource() })
}

func (b tracesBatch) call(ctx context.Context) error { return b.upstream.ConsumeTraces(ctx, b.td) }

func (b tracesBatch) marshal() ([]byte, error) { return (&ptrace.ProtoMarshaler{}).MarshalTraces(b.td) }

func (b tracesBatch) retryOnly(err error) error { return consumererror.NewTraces(err, b.td) }

func (b tracesBatch) halves() (batch, batch, bool) {
	first, second := ptrace.NewTraces(), ptrace.NewTraces()
	ok := splitLevels(b.td.ResourceSpans(), first.ResourceSpans(), second.ResourceSpans(),
		func(src, a, b ptrace.ResourceSpans) bool {
			for _, dst := range []ptrace.ResourceSpans{a, b} {
				src.Resource().CopyTo(dst.Resource())
				dst.SetSchemaUrl(src.SchemaUrl())
			}
			return splitLevels(src.ScopeSpans(), a.ScopeSpans(), b.ScopeSpans(), func(src, a, b ptrace.ScopeSpans) bool {
				for _, dst := range []ptrace.ScopeSpans{a, b} {
					src.Scope().CopyTo(dst.Scope())
					dst.SetSchemaUrl(src.SchemaUrl())
				}
				return splitLevels(src.Spans(), a.Spans(), b.Spans(), nil)
			})
		})
	return tracesBatch{td: first, upstream: b.upstream}, tracesBatch{td: second, upstream: b.upstream}, ok
}

type metricsBatch struct {
	md       pmetric.Metrics
	upstream consumer.Metrics
}

func (b metricsBatch) itemCount() int { return b.md.DataPointCount() }

func (b metricsBatch) serviceNames() []string {
	rms := b.md.ResourceMetrics()
	return serviceNames(rms.Len(), func(i int) pcommon.Resource { return rms.At(i).Resource() })
}

func (b metricsBatch) call(ctx context.Context) error { return b.upstream.ConsumeMetrics(ctx, b.md) }

func (b metricsBatch) marshal() ([]byte, error) {
	return (&pmetric.ProtoMarshaler{}).MarshalMetrics(b.md)
}

func (b metricsBatch) retryOnly(err error) error { return consumererror.NewMetrics(err, b.md) }

func (b metricsBatch) halves() (batch, batch, bool) {
	first, second := pmetric.NewMetrics(), pmetric.NewMetrics()
	ok := splitLevels(b.md.ResourceMetrics(), first.ResourceMetrics(), second.ResourceMetrics(),
		func(src, a, b pmetric.ResourceMetrics) bool {
			for _, dst := range []pmetric.ResourceMetrics{a, b} {
				src.Resource().CopyTo(dst.Resource())
				dst.SetSchemaUrl(src.SchemaUrl())
			}
			return splitLevels(src.ScopeMetrics(), a.ScopeMetrics(), b.ScopeMetrics(), func(src, a, b pmetric.ScopeMetrics) bool {
				for _, dst := range []pmetric.ScopeMetrics{a, b} {
					src.Scope().CopyTo(dst.Scope())
					dst.SetSchemaUrl(src.SchemaUrl())
				}
				return splitLevels(src.Metrics(), a.Metrics(), b.Metrics(), nil)
			})
		})
	return metricsBatch{md: first, upstream: b.upstream}, metricsBatch{md: second, upstream: b.upstream}, ok
}

type logsBatch struct {
	ld       plog.Logs
	upstream consumer.Logs
}

func (b logsBatch) itemCount() int { return b.ld.LogRecordCount() }

func (b logsBatch) serviceNames() []string {
	rls := b.ld.ResourceLogs()
	return serviceNames(rls.Len(), func(i int) pcommon.Resource { return rls.At(i).Resource() })
}

func (b logsBatch) call(ctx context.Context) error { return b.upstream.ConsumeLogs(ctx, b.ld) }

func (b logsBatch) marshal() ([]byte, error) { return (&plog.ProtoMarshaler{}).MarshalLogs(b.ld) }

func (b logsBatch) retryOnly(err error) error { return consumererror.NewLogs(err, b.ld) }

func (b logsBatch) halves() (batch, batch, bool) {
	first, second := plog.NewLogs(), plog.NewLogs()
	ok := splitLevels(b.ld.ResourceLogs(), first.ResourceLogs(), second.ResourceLogs(),
		func(src, a, b plog.ResourceLogs) bool {
			for _, dst := range []plog.ResourceLogs{a, b} {
				src.Resource().CopyTo(dst.Resource())
				dst.SetSchemaUrl(src.SchemaUrl())
			}
			return splitLevels(src.ScopeLogs(), a.ScopeLogs(), b.ScopeLogs(), func(src, a, b plog.ScopeLogs) bool {
				for _, dst := range []plog.ScopeLogs{a, b} {
					src.Scope().CopyTo(dst.Scope())
					dst.SetSchemaUrl(src.SchemaUrl())
				}
				return splitLevels(src.LogRecords(), a.LogRecords(), b.LogRecords(), nil)
			})
		})
	return logsBatch{ld: first, upstream: b.upstream}, logsBatch{ld: second, upstream: b.upstream}, ok
}

// pdataSlice is a pdata slice (ResourceSpansSlice, SpanSlice, ...).
type pdataSlice[E interface{ CopyTo(E) }] interface {
	Len() int
	At(i int) E
	AppendEmpty() E
}

// splitLevels copies the first half of src into first and the rest into
// second. A slice of one element is split one level down by inner (which
// gets the element and one new element in each half, and reports whether it
// could split); nil inner means there is no level below.
func splitLevels[E interface{ CopyTo(E) }, S pdataSlice[E]](src, first, second S, inner func(src, first, second E) bool) bool {
	n := src.Len()
	switch {
	case n >= 2:
		for i := range n {
			dst := first
			if i >= n/2 {
				dst = second
			}
			src.At(i).CopyTo(dst.AppendEmpty())
		}
		return true
	case n == 1 && inner != nil:
		return inner(src.At(0), first.AppendEmpty(), second.AppendEmpty())
	}
	return false
}
