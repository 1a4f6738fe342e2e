package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"

import (
	"context"
	"fmt"
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
	"go.uber.org/zap"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

// obtraceExporter sends one signal. It sits between this component's
// exporterhelper (queue, retry, standard exporter telemetry) and a synchronous
// upstream otlphttpexporter that does the OTLP/HTTP request.
type obtraceExporter struct {
	signal     signal
	logger     *zap.Logger
	url        string
	apiKey     string
	identity   identity
	idFields   []zap.Field
	telemetry  *metadata.TelemetryBuilder
	signalAttr attribute.KeyValue
	rejections *rejectionLogger

	// passthrough sends each request with its client's own key (auth.mode);
	// breaker is then the per-key auth circuit breaker.
	passthrough bool
	breaker     *breaker

	// upstream is the otlphttpexporter instance, started and shut down with
	// this exporter.
	upstream component.Component

	// startup is the optional start-up handshake (nil when there is none).
	startup *startupCheck

	// queueFile checks the persistent-queue file before the queue opens it.
	queueFile *queueFileCheck
}

func newObtraceExporter(cfg *Config, set exporter.Settings, s signal) (*obtraceExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &obtraceExporter{
		signal:     s,
		logger:     set.Logger,
		url:        cfg.signalURL(s),
		apiKey:     string(cfg.APIKey),
		identity:   newIdentity(cfg.Identity),
		idFields:   cfg.Identity.logFields(),
		telemetry:  tb,
		signalAttr: attribute.String("signal", string(s)),
		rejections: newRejectionLogger(set.Logger, rejectionLogInterval),

		passthrough: cfg.Auth.passthrough(),
		breaker:     newBreaker(cfg.Auth.FailureThreshold, cfg.Auth.CoolOff, cfg.Auth.MaxTenants),
		startup:     newStartupCheck(cfg, set),
		queueFile:   newQueueFileCheck(cfg, set.ID, s, set.Logger),
	}, nil
}

// guard runs when data enters the exporter, before it is queued, in the
// receiver's call: its error goes back to the client. It keeps only the
// request metadata delivery needs (none with api_key; the tenant's
// Authorization header in passthrough mode), so nothing else is ever written
// to a persistent queue.
func (e *obtraceExporter) guard(ctx context.Context) (context.Context, error) {
	if !e.passthrough {
		return withoutClientMetadata(ctx), nil
	}
	key, err := tenantKeyFromContext(ctx)
	if err != nil {
		return ctx, err
	}
	if err := e.breaker.check(key); err != nil {
		return ctx, err
	}
	return withOnlyTenantKey(ctx, key), nil
}

// partitionKey names the requests that may share a queue item: all of them
// with api_key, those of one tenant key in passthrough mode (the guard has
// checked the key already).
func (e *obtraceExporter) partitionKey(ctx context.Context) string {
	if !e.passthrough {
		return ""
	}
	key, _ := tenantKeyFromContext(ctx)
	return key
}

// hostFor is the host exporterhelper is started with: with a persistent
// queue and lazy bookkeeping, its storage extension hands out deferredClients.
func (e *obtraceExporter) hostFor(cfg *Config) func(component.Host) component.Host {
	if !cfg.persistent() || cfg.PersistentQueue.BookkeepingInterval == 0 {
		return func(host component.Host) component.Host { return host }
	}
	return func(host component.Host) component.Host {
		return deferredStorageHost{Host: host, storageID: *cfg.QueueConfig.Get().StorageID,
			flushInterval: cfg.PersistentQueue.BookkeepingInterval, logger: e.logger}
	}
}

// helperOptions are the exporterhelper options of this exporter: it owns the
// queue and the retries; the upstream exporter runs without either.
func (e *obtraceExporter) helperOptions(cfg *Config) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		// Group commit moves each request's resources into its group's data.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: e.identity.mutates() || cfg.groupCommitOn()}),
		// Like upstream: the HTTP client's timeout bounds each request.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	}
}

// start runs before exporterhelper opens the queue (see queuefile.go).
func (e *obtraceExporter) start(ctx context.Context, host component.Host) error {
	if err := e.queueFile.run(host); err != nil {
		return err
	}
	if err := e.upstream.Start(ctx, observedHost{Host: host}); err != nil {
		return err
	}
	e.startup.start(host) // in the background; never fails or delays Start
	return nil
}

func (e *obtraceExporter) shutdown(ctx context.Context) error {
	e.startup.shutdown(ctx)
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
	attrs := []attribute.KeyValue{e.signalAttr}
	var key, fingerprint string
	if e.passthrough {
		var err error
		if key, err = tenantKeyFromContext(ctx); err == nil {
			fingerprint = keyFingerprint(key)
			attrs = append(attrs, attribute.String("obtrace.key_fingerprint", fingerprint))
			err = e.breaker.check(key)
		}
		if err != nil {
			// Queued data without a usable key (e.g. queued by an api_key
			// configuration), or whose key is refused: dropped, not sent.
			e.telemetry.ExporterObtraceFailedItems.Add(ctx, int64(items), metric.WithAttributes(append(attrs, attribute.Int("http.response.status_code", 0))...))
			e.rejections.logRefused(fingerprint, err, zap.String("signal", string(e.signal)), zap.Int("dropped_items", items))
			return consumererror.NewPermanent(err)
		}
		ex.authorization = "Bearer " + key
	}
	err := call(withExchange(ctx, ex))
	if e.passthrough && ex.statusCode != 0 && e.breaker.record(key, ex.statusCode) {
		e.rejections.logOpened(fingerprint, ex.statusCode, e.breaker.coolOff, zap.String("signal", string(e.signal)))
	}

	if ex.rejected > 0 {
		e.telemetry.ExporterObtracePartialSuccessRejectedItems.Add(ctx, ex.rejected, metric.WithAttributes(attrs...))
	}
	if ex.rejected > 0 || ex.psMessage != "" {
		// Logged here, redacted and bounded, instead of by the upstream exporter.
		e.rejections.logPartialSuccess(fingerprint, ingestMessage(ex.psMessage, e.apiKey, key), ex.rejected,
			zap.String("signal", string(e.signal)), zap.String("endpoint", e.url))
	}
	if err == nil {
		e.telemetry.ExporterObtraceSentItems.Add(ctx, int64(items), metric.WithAttributes(attrs...))
		return nil
	}

	if consumererror.IsPermanent(err) {
		e.telemetry.ExporterObtraceFailedItems.Add(ctx, int64(items), metric.WithAttributes(
			append(attrs, attribute.Int("http.response.status_code", ex.statusCode))...))
		if hint := rejectionHint(ex.statusCode); hint != "" {
			fields := append([]zap.Field{
				zap.String("signal", string(e.signal)),
				zap.String("endpoint", e.url),
				zap.Int("dropped_items", items),
				zap.Strings("service_names", services()),
			}, e.idFields...)
			if e.passthrough {
				fields = append(fields, zap.String("key_fingerprint", fingerprint))
			}
			reason := fmt.Errorf("obtrace ingest refused the request with HTTP %d (%s)", ex.statusCode, hint)
			if isRedirect(ex.statusCode) {
				host := redactSecrets(ex.redirectHost, e.apiKey, key) // ingest wrote it
				fields = append(fields, zap.String("redirect_host", host))
				reason = redirectError(ex.statusCode, host)
			}
			e.rejections.logFor(ex.statusCode, fingerprint, fields...)
			err = consumererror.NewPermanent(fmt.Errorf("%w: %w", reason, err))
		}
		return redactError(err, e.apiKey, key)
	}

	// The upstream exporter honours Retry-After only on 429 and 503 (and only
	// as delay-seconds or RFC 1123 dates); Obtrace sends it on 502 and 504 too.
	if isRetryableStatus(ex.statusCode) {
		if delay, ok := parseRetryAfter(ex.retryAfter, time.Now()); ok {
			err = exporterhelper.NewThrottleRetry(err, delay)
		}
	}
	return redactError(err, e.apiKey, key)
}

// The exporters handed to the pipeline: the exporterhelper exporters behind
// the guard (see obtraceExporter.guard), started with the host their queue's
// storage comes from (hostFor), and with the group commit in front of them.

type guardedTraces struct {
	exporter.Traces
	hostFor func(component.Host) component.Host
	guard   func(context.Context) (context.Context, error)
	// consume is Traces.ConsumeTraces, or a groupCommit in front of it.
	consume func(context.Context, ptrace.Traces) error
}

func (g guardedTraces) Start(ctx context.Context, host component.Host) error {
	return g.Traces.Start(ctx, g.hostFor(host))
}

func (g guardedTraces) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	ctx, err := g.guard(ctx)
	if err != nil {
		return err
	}
	return g.consume(ctx, td)
}

type guardedMetrics struct {
	exporter.Metrics
	hostFor func(component.Host) component.Host
	guard   func(context.Context) (context.Context, error)
	consume func(context.Context, pmetric.Metrics) error
}

func (g guardedMetrics) Start(ctx context.Context, host component.Host) error {
	return g.Metrics.Start(ctx, g.hostFor(host))
}

func (g guardedMetrics) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	ctx, err := g.guard(ctx)
	if err != nil {
		return err
	}
	return g.consume(ctx, md)
}

type guardedLogs struct {
	exporter.Logs
	hostFor func(component.Host) component.Host
	guard   func(context.Context) (context.Context, error)
	consume func(context.Context, plog.Logs) error
}

func (g guardedLogs) Start(ctx context.Context, host component.Host) error {
	return g.Logs.Start(ctx, g.hostFor(host))
}

func (g guardedLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	ctx, err := g.guard(ctx)
	if err != nil {
		return err
	}
	return g.consume(ctx, ld)
}
