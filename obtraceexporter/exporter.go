package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

// obtraceExporter sends one signal. It sits between this component's
// exporterhelper (queue, retry, standard exporter telemetry) and a synchronous
// upstream otlphttpexporter that does the OTLP/HTTP request.
type obtraceExporter struct {
	signal     signal
	url        string
	apiKey     string
	identity   identity
	idFields   []zap.Field
	telemetry  *metadata.TelemetryBuilder
	signalAttr attribute.KeyValue
	rejections *rejectionLogger

	// upstream is the otlphttpexporter instance, started and shut down with
	// this exporter.
	upstream component.Component
}

func newObtraceExporter(cfg *Config, set exporter.Settings, s signal) (*obtraceExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &obtraceExporter{
		signal:     s,
		url:        cfg.signalURL(s),
		apiKey:     string(cfg.APIKey),
		identity:   newIdentity(cfg.Identity),
		idFields:   cfg.Identity.logFields(),
		telemetry:  tb,
		signalAttr: attribute.String("signal", string(s)),
		rejections: newRejectionLogger(set.Logger, rejectionLogInterval),
	}, nil
}

// helperOptions are the exporterhelper options of this exporter: it owns the
// queue and the retries; the upstream exporter runs without either.
func (e *obtraceExporter) helperOptions(cfg *Config) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: e.identity.mutates()}),
		// Like upstream: the HTTP client's timeout bounds each request.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	}
}

func (e *obtraceExporter) start(ctx context.Context, host component.Host) error {
	return e.upstream.Start(ctx, observedHost{Host: host})
}

func (e *obtraceExporter) shutdown(ctx context.Context) error {
	var err error
	if e.upstream != nil {
		err = e.upstream.Shutdown(ctx)
	}
	e.telemetry.Shutdown()
	return err
}

func (e *obtraceExporter) pushTraces(next consumer.Traces) consumer.ConsumeTracesFunc {
	return func(ctx context.Context, td ptrace.Traces) error {
		e.identity.applyTraces(td)
		rss := td.ResourceSpans()
		services := func() []string {
			return serviceNames(rss.Len(), func(i int) pcommon.Resource { return rss.At(i).Resource() })
		}
		return e.send(ctx, td.SpanCount(), services, func(ctx context.Context) error { return next.ConsumeTraces(ctx, td) })
	}
}

func (e *obtraceExporter) pushMetrics(next consumer.Metrics) consumer.ConsumeMetricsFunc {
	return func(ctx context.Context, md pmetric.Metrics) error {
		e.identity.applyMetrics(md)
		rms := md.ResourceMetrics()
		services := func() []string {
			return serviceNames(rms.Len(), func(i int) pcommon.Resource { return rms.At(i).Resource() })
		}
		return e.send(ctx, md.DataPointCount(), services, func(ctx context.Context) error { return next.ConsumeMetrics(ctx, md) })
	}
}

func (e *obtraceExporter) pushLogs(next consumer.Logs) consumer.ConsumeLogsFunc {
	return func(ctx context.Context, ld plog.Logs) error {
		e.identity.applyLogs(ld)
		rls := ld.ResourceLogs()
		services := func() []string {
			return serviceNames(rls.Len(), func(i int) pcommon.Resource { return rls.At(i).Resource() })
		}
		return e.send(ctx, ld.LogRecordCount(), services, func(ctx context.Context) error { return next.ConsumeLogs(ctx, ld) })
	}
}

// send makes one upstream call (one HTTP request) for items items and
// accounts for its outcome. services lists the batch's service.name values;
// it is only called to log a refused request.
func (e *obtraceExporter) send(ctx context.Context, items int, services func() []string, call func(context.Context) error) error {
	ex := &exchange{signal: e.signal}
	err := call(withExchange(ctx, ex))

	if ex.rejected > 0 {
		// The upstream exporter logs the partial-success message at warn level.
		e.telemetry.ExporterObtracePartialSuccessRejectedItems.Add(ctx, ex.rejected, metric.WithAttributes(e.signalAttr))
	}
	if err == nil {
		e.telemetry.ExporterObtraceSentItems.Add(ctx, int64(items), metric.WithAttributes(e.signalAttr))
		return nil
	}

	if consumererror.IsPermanent(err) {
		e.telemetry.ExporterObtraceFailedItems.Add(ctx, int64(items), metric.WithAttributes(
			e.signalAttr, attribute.Int("http.response.status_code", ex.statusCode)))
		if hint := rejectionHint(ex.statusCode); hint != "" {
			e.rejections.log(ex.statusCode, append([]zap.Field{
				zap.String("signal", string(e.signal)),
				zap.String("endpoint", e.url),
				zap.Int("dropped_items", items),
				zap.Strings("service_names", services()),
			}, e.idFields...)...)
			err = consumererror.NewPermanent(fmt.Errorf("obtrace ingest refused the request with HTTP %d (%s): %w", ex.statusCode, hint, err))
		}
		return redactKey(err, e.apiKey)
	}

	// The upstream exporter honours Retry-After only on 429 and 503 (and only
	// as delay-seconds or RFC 1123 dates); Obtrace sends it on 502 and 504 too.
	if isRetryableStatus(ex.statusCode) {
		if delay, ok := parseRetryAfter(ex.retryAfter, time.Now()); ok {
			err = exporterhelper.NewThrottleRetry(err, delay)
		}
	}
	return redactKey(err, e.apiKey)
}

// isRetryableStatus reports whether Obtrace ingest wants a request retried.
func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseRetryAfter parses a Retry-After value, either delay-seconds or an HTTP
// date (RFC 9110, section 10.2.3).
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.Atoi(value); err == nil {
		if seconds < 0 {
			return 0, false
		}
		return time.Duration(seconds) * time.Second, true
	}
	if date, err := http.ParseTime(value); err == nil {
		return max(date.Sub(now), 0), true
	}
	return 0, false
}

// upstreamSettings are the settings the upstream otlphttpexporter is created
// with.
//
//   - Its ID has the upstream type (the upstream factory insists) and this
//     component's ID as name, e.g. otlp_http/obtrace/prod.
//   - Its metrics go to a no-op MeterProvider: the upstream's exporterhelper
//     would otherwise count every attempt again under otelcol_exporter_*, which
//     this component's own exporterhelper already reports once per request.
//   - Its logger is this component's logger minus the upstream exporterhelper's
//     per-attempt "Exporting failed. Rejecting data." error, which would be
//     wrong here: this component retries (and logs) retryable failures itself.
//     The upstream exporter's own logs (e.g. partial success) go through.
func upstreamSettings(set exporter.Settings, upstreamType component.Type) exporter.Settings {
	up := set
	up.ID = component.NewIDWithName(upstreamType, set.ID.String())
	up.Logger = set.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return dropMessageCore{Core: c, prefix: "Exporting failed. Rejecting data."}
	}))
	up.MeterProvider = noop.NewMeterProvider()
	return up
}

// dropMessageCore drops log entries whose message starts with prefix.
type dropMessageCore struct {
	zapcore.Core
	prefix string
}

func (c dropMessageCore) With(fields []zapcore.Field) zapcore.Core {
	return dropMessageCore{Core: c.Core.With(fields), prefix: c.prefix}
}

func (c dropMessageCore) Check(entry zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if strings.HasPrefix(entry.Message, c.prefix) {
		return ce
	}
	return c.Core.Check(entry, ce)
}
