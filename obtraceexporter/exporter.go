package obtraceexporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
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

	// retry is retry_on_failure; its intervals pace the HTTP 500 retries.
	retry              configretry.BackOffConfig
	serverErrorRetries int
	// deadLetters holds what ingest refused for good (see deadletter.go).
	deadLetters *deadLetters
}

func newObtraceExporter(cfg *Config, set exporter.Settings, s signal) (*obtraceExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &obtraceExporter{
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

		retry:              cfg.RetryConfig,
		serverErrorRetries: cfg.ServerErrorRetries,
		deadLetters:        newDeadLetters(cfg.DeadLetter, set.ID, s, tb, set.Logger),
	}
	e.deadLetters.resend = e.resendBatch
	return e, nil
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
	return e.deadLetters.start()
}

func (e *obtraceExporter) shutdown(ctx context.Context) error {
	e.startup.shutdown(ctx)
	err := e.deadLetters.shutdown()
	if e.upstream != nil {
		err = errors.Join(err, e.upstream.Shutdown(ctx))
	}
	e.telemetry.Shutdown()
	return err
}

func (e *obtraceExporter) pushTraces(upstream consumer.Traces) consumer.ConsumeTracesFunc {
	return func(ctx context.Context, td ptrace.Traces) error {
		e.identity.applyTraces(td)
		return e.deliver(ctx, tracesBatch{td: td, upstream: upstream})
	}
}

func (e *obtraceExporter) pushMetrics(upstream consumer.Metrics) consumer.ConsumeMetricsFunc {
	return func(ctx context.Context, md pmetric.Metrics) error {
		e.identity.applyMetrics(md)
		return e.deliver(ctx, metricsBatch{md: md, upstream: upstream})
	}
}

func (e *obtraceExporter) pushLogs(upstream consumer.Logs) consumer.ConsumeLogsFunc {
	return func(ctx context.Context, ld plog.Logs) error {
		e.identity.applyLogs(ld)
		return e.deliver(ctx, logsBatch{ld: ld, upstream: upstream})
	}
}

// send makes one upstream call (one HTTP request) for b and accounts for
// its outcome, except a permanent refusal, which deliver accounts for (see
// refused). It returns what the observer saw of the exchange (status 0
// without an answer).
func (e *obtraceExporter) send(ctx context.Context, b batch) (*exchange, error) {
	ex := &exchange{signal: e.signal}
	attrs := []attribute.KeyValue{e.signalAttr}
	var key, fingerprint string
	if e.passthrough {
		var err error
		if key, err = tenantKeyFromContext(ctx); err == nil {
			fingerprint = keyFingerprint(key)
			ex.tenantKey, ex.keyFingerprint = key, fingerprint
			attrs = append(attrs, attribute.String("obtrace.key_fingerprint", fingerprint))
			err = e.breaker.check(key)
		}
		if err != nil {
			// Queued data without a usable key (e.g. queued by an api_key
			// configuration), or whose key is refused: not sent.
			e.rejections.logRefused(fingerprint, err, zap.String("signal", string(e.signal)), zap.Int("items", b.itemCount()))
			return ex, consumererror.NewPermanent(err)
		}
		ex.authorization = "Bearer " + key
	}
	err := b.call(withExchange(ctx, ex))
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
		e.telemetry.ExporterObtraceSentItems.Add(ctx, int64(b.itemCount()), metric.WithAttributes(attrs...))
		return ex, nil
	}

	if consumererror.IsPermanent(err) {
		if hint := rejectionHint(ex.statusCode); hint != "" {
			reason := fmt.Errorf("obtrace ingest refused the request with HTTP %d (%s)", ex.statusCode, hint)
			if isRedirect(ex.statusCode) {
				ex.redirectHost = redactSecrets(ex.redirectHost, e.apiKey, key) // ingest wrote it
				reason = redirectError(ex.statusCode, ex.redirectHost)
			}
			err = consumererror.NewPermanent(fmt.Errorf("%w: %w", reason, err))
		}
		return ex, redactError(err, e.apiKey, key)
	}

	// The upstream exporter honours Retry-After only on 429 and 503 (and only
	// as delay-seconds or RFC 1123 dates); Obtrace sends it on 502 and 504 too.
	if isRetryableStatus(ex.statusCode) {
		if delay, ok := parseRetryAfter(ex.retryAfter, time.Now()); ok {
			err = exporterhelper.NewThrottleRetry(err, delay)
		}
	}
	return ex, redactError(err, e.apiKey, key)
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
