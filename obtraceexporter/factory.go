package obtraceexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

const (
	// defaultEndpoint is the base URL of Obtrace ingest.
	defaultEndpoint = "https://ingest.obtrace.ai"
	// defaultTimeout bounds one HTTP request.
	defaultTimeout = 5 * time.Second
	// defaultGroupMaxItems bounds one group commit: the size of the queue's
	// batches (sending_queue.batch.min_size in configs/gateway.yaml).
	defaultGroupMaxItems = 8192

	// defaultServerErrorRetries: HTTP 500 is sent again this often before it
	// is refused for good.
	defaultServerErrorRetries = 5

	// The dead-letter queue (dead_letter.*), per signal.
	defaultDeadLetterBytes = 1 << 30
	minDeadLetterBytes     = 1 << 20
	defaultResendInterval  = 10 * time.Minute

	// The per-key auth circuit breaker (auth.* in passthrough mode).
	defaultFailureThreshold = 3
	defaultCoolOff          = time.Minute
	defaultMaxTenants       = 1000
)

// upstreamFactory creates the otlphttpexporter instances that do the OTLP/HTTP work.
var upstreamFactory = otlphttpexporter.NewFactory()

// NewFactory returns the factory of the obtrace exporter (component type "obtrace").
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithTraces(createTraces, metadata.TracesStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability),
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig shows the defaults. api_key has none and must be set.
func createDefaultConfig() component.Config {
	return &Config{
		Endpoint:       defaultEndpoint,
		Compression:    configcompression.TypeGzip,
		Timeout:        defaultTimeout,
		RetryConfig:    configretry.NewDefaultBackOffConfig(),
		QueueConfig:    configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		StartupCheck:   true,
		QueueFileCheck: queueFileCheckFail,
		PersistentQueue: PersistentQueueConfig{
			GroupCommit:         true,
			GroupMaxItems:       defaultGroupMaxItems,
			BookkeepingInterval: time.Second,
		},
		ServerErrorRetries: defaultServerErrorRetries,
		DeadLetter: DeadLetterConfig{
			MaxBytes:       defaultDeadLetterBytes,
			ResendInterval: defaultResendInterval,
			ResendOnStart:  true,
		},
		Auth: AuthConfig{
			Mode:             authModeAPIKey,
			FailureThreshold: defaultFailureThreshold,
			CoolOff:          defaultCoolOff,
			MaxTenants:       defaultMaxTenants,
		},
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	oCfg := cfg.(*Config)
	e, err := newObtraceExporter(oCfg, set, signalTraces)
	if err != nil {
		return nil, err
	}
	up, err := upstreamFactory.CreateTraces(ctx, upstreamSettings(set, upstreamFactory.Type()), oCfg.upstreamConfig(signalTraces))
	if err != nil {
		return nil, err
	}
	e.upstream = up
	e.deadLetters.decode = func(payload []byte) (batch, error) {
		data, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
		return tracesBatch{td: data, upstream: up}, err
	}
	exp, err := exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces(up), e.helperOptions(oCfg)...)
	if err != nil {
		return nil, err
	}
	consume := exp.ConsumeTraces
	if oCfg.groupCommitOn() {
		consume = newGroupCommit(oCfg.PersistentQueue.GroupMaxItems, e.partitionKey, exp.ConsumeTraces, moveTraces, ptrace.Traces.SpanCount).consume
	}
	return guardedTraces{Traces: exp, hostFor: e.hostFor(oCfg), guard: e.guard, consume: consume}, nil
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	oCfg := cfg.(*Config)
	e, err := newObtraceExporter(oCfg, set, signalMetrics)
	if err != nil {
		return nil, err
	}
	up, err := upstreamFactory.CreateMetrics(ctx, upstreamSettings(set, upstreamFactory.Type()), oCfg.upstreamConfig(signalMetrics))
	if err != nil {
		return nil, err
	}
	e.upstream = up
	e.deadLetters.decode = func(payload []byte) (batch, error) {
		data, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(payload)
		return metricsBatch{md: data, upstream: up}, err
	}
	exp, err := exporterhelper.NewMetrics(ctx, set, cfg, e.pushMetrics(up), e.helperOptions(oCfg)...)
	if err != nil {
		return nil, err
	}
	consume := exp.ConsumeMetrics
	if oCfg.groupCommitOn() {
		consume = newGroupCommit(oCfg.PersistentQueue.GroupMaxItems, e.partitionKey, exp.ConsumeMetrics, moveMetrics, pmetric.Metrics.DataPointCount).consume
	}
	return guardedMetrics{Metrics: exp, hostFor: e.hostFor(oCfg), guard: e.guard, consume: consume}, nil
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	oCfg := cfg.(*Config)
	e, err := newObtraceExporter(oCfg, set, signalLogs)
	if err != nil {
		return nil, err
	}
	up, err := upstreamFactory.CreateLogs(ctx, upstreamSettings(set, upstreamFactory.Type()), oCfg.upstreamConfig(signalLogs))
	if err != nil {
		return nil, err
	}
	e.upstream = up
	e.deadLetters.decode = func(payload []byte) (batch, error) {
		data, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(payload)
		return logsBatch{ld: data, upstream: up}, err
	}
	exp, err := exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs(up), e.helperOptions(oCfg)...)
	if err != nil {
		return nil, err
	}
	consume := exp.ConsumeLogs
	if oCfg.groupCommitOn() {
		consume = newGroupCommit(oCfg.PersistentQueue.GroupMaxItems, e.partitionKey, exp.ConsumeLogs, moveLogs, plog.Logs.LogRecordCount).consume
	}
	return guardedLogs{Logs: exp, hostFor: e.hostFor(oCfg), guard: e.guard, consume: consume}, nil
}
