package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// workload is what one simulated service sends: Spans spans, Points metric data points
// (half counter series, half histogram series) and Logs log records, all named with Prefix so
// every item can be told apart at the ingest.
type workload struct {
	Protocol string // "http" or "grpc"
	Service  string
	Prefix   string
	Spans    int
	Points   int
	Logs     int
	// ResourceAttrs are set by the service itself on its resource.
	ResourceAttrs []attribute.KeyValue
	// Headers go with every export request (HTTP headers or gRPC metadata), e.g. the
	// receivers' bearer token or a tenant's API key.
	Headers map[string]string
}

// send runs a real OpenTelemetry SDK pipeline against the collector and shuts it down, which
// flushes everything exactly once.
func (w workload) send(t *testing.T, c *collector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	res, err := resource.New(ctx, resource.WithAttributes(
		append([]attribute.KeyValue{attribute.String("service.name", w.Service)}, w.ResourceAttrs...)...))
	if err != nil {
		t.Fatal(err)
	}

	if w.Spans > 0 {
		exp := w.traceExporter(ctx, t, c)
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp))
		tracer := tp.Tracer("e2e")
		for i := 0; i < w.Spans; i++ {
			_, span := tracer.Start(ctx, fmt.Sprintf("%s-span-%d", w.Prefix, i))
			span.End()
		}
		if err := tp.Shutdown(ctx); err != nil {
			t.Fatalf("trace export: %v", err)
		}
	}

	if w.Points > 0 {
		exp := w.metricExporter(ctx, t, c)
		// The reader exports once, at shutdown.
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
		meter := mp.Meter("e2e")
		orders, err := meter.Int64Counter(w.Prefix+".orders", metric.WithUnit("{order}"))
		if err != nil {
			t.Fatal(err)
		}
		duration, err := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < w.Points; i++ {
			series := metric.WithAttributes(attribute.Int("series", i))
			if i%2 == 0 {
				orders.Add(ctx, int64(i+1), series)
			} else {
				duration.Record(ctx, float64(i)/100, series)
			}
		}
		if err := mp.Shutdown(ctx); err != nil {
			t.Fatalf("metric export: %v", err)
		}
	}

	if w.Logs > 0 {
		exp := w.logExporter(ctx, t, c)
		lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
		logger := lp.Logger("e2e")
		for i := 0; i < w.Logs; i++ {
			var record otellog.Record
			record.SetBody(attribute.StringValue(fmt.Sprintf("%s-log-%d", w.Prefix, i)))
			record.SetSeverity(otellog.SeverityInfo)
			logger.Emit(ctx, record)
		}
		if err := lp.Shutdown(ctx); err != nil {
			t.Fatalf("log export: %v", err)
		}
	}
}

func (w workload) traceExporter(ctx context.Context, t *testing.T, c *collector) sdktrace.SpanExporter {
	var exp sdktrace.SpanExporter
	var err error
	if w.Protocol == "grpc" {
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(c.grpcAddr), otlptracegrpc.WithInsecure(), otlptracegrpc.WithHeaders(w.Headers))
	} else {
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(c.httpAddr), otlptracehttp.WithInsecure(), otlptracehttp.WithHeaders(w.Headers))
	}
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func (w workload) metricExporter(ctx context.Context, t *testing.T, c *collector) sdkmetric.Exporter {
	var exp sdkmetric.Exporter
	var err error
	if w.Protocol == "grpc" {
		exp, err = otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(c.grpcAddr), otlpmetricgrpc.WithInsecure(), otlpmetricgrpc.WithHeaders(w.Headers))
	} else {
		exp, err = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(c.httpAddr), otlpmetrichttp.WithInsecure(), otlpmetrichttp.WithHeaders(w.Headers))
	}
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func (w workload) logExporter(ctx context.Context, t *testing.T, c *collector) sdklog.Exporter {
	var exp sdklog.Exporter
	var err error
	if w.Protocol == "grpc" {
		exp, err = otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(c.grpcAddr), otlploggrpc.WithInsecure(), otlploggrpc.WithHeaders(w.Headers))
	} else {
		exp, err = otlploghttp.New(ctx, otlploghttp.WithEndpoint(c.httpAddr), otlploghttp.WithInsecure(), otlploghttp.WithHeaders(w.Headers))
	}
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// sendAll sends every workload and counts what was sent, per ingest path.
func sendAll(t *testing.T, c *collector, workloads ...workload) itemCounts {
	t.Helper()
	sent := itemCounts{}
	for _, w := range workloads {
		w.send(t, c)
		sent[tracesPath] += w.Spans
		sent[metricsPath] += w.Points
		sent[logsPath] += w.Logs
	}
	return sent
}
