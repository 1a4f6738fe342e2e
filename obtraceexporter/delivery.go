package obtraceexporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// deliver sends b and decides what happens to what ingest refuses for good:
// HTTP 500 is sent again up to server_error_retries times; 413 splits the
// batch and delivers the halves (down to one record); anything else
// permanent, and what is left of those, goes to the dead-letter queue (or
// is dropped and counted without one). Retryable errors go back to
// exporterhelper, which retries with retry_on_failure.
func (e *obtraceExporter) deliver(ctx context.Context, b batch) error {
	ex, err := e.sendRetryingServerErrors(ctx, b)
	if err == nil || !consumererror.IsPermanent(err) {
		return err
	}
	if ex.statusCode == http.StatusRequestEntityTooLarge {
		if first, second, ok := b.halves(); ok {
			return e.deliverHalves(ctx, b, first, second)
		}
	}
	return e.refused(ctx, b, ex, err)
}

// deliverHalves delivers the halves of a batch ingest found too large. A
// retryable failure retries only what was not delivered yet.
func (e *obtraceExporter) deliverHalves(ctx context.Context, whole, first, second batch) error {
	if err := e.deliver(ctx, first); err != nil && !consumererror.IsPermanent(err) {
		return whole.retryOnly(err)
	}
	if err := e.deliver(ctx, second); err != nil {
		if consumererror.IsPermanent(err) {
			return err
		}
		return second.retryOnly(err)
	}
	return nil
}

// sendRetryingServerErrors sends b, and again after HTTP 500, waiting as
// retry_on_failure does between attempts. It gives up early, with a
// retryable error, when ctx ends (shutdown): the data stays queued.
func (e *obtraceExporter) sendRetryingServerErrors(ctx context.Context, b batch) (*exchange, error) {
	wait := e.retry.InitialInterval
	for attempt := 0; ; attempt++ {
		ex, err := e.send(ctx, b)
		if err == nil || ex.statusCode != http.StatusInternalServerError || attempt >= e.serverErrorRetries {
			return ex, err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ex, fmt.Errorf("HTTP 500 retries interrupted (%w): %w", ctx.Err(), errors.Unwrap(err))
		case <-timer.C:
		}
		wait = min(wait*2, e.retry.MaxInterval)
	}
}

// refused accounts for a batch ingest refused permanently (err, with the
// exchange ex): it goes to the dead-letter queue, or is dropped and
// counted. The first refusal of each status in an interval is logged.
func (e *obtraceExporter) refused(ctx context.Context, b batch, ex *exchange, err error) error {
	items := b.itemCount()
	key, fingerprint := ex.tenantKey, ex.keyFingerprint
	attrs := []attribute.KeyValue{e.signalAttr, attribute.Int("http.response.status_code", ex.statusCode)}
	if e.passthrough {
		attrs = append(attrs, attribute.String("obtrace.key_fingerprint", fingerprint))
	}

	held, holdErr := e.deadLetters.hold(b, key, fingerprint, ex.statusCode, err)
	var outcome zap.Field
	switch {
	case held:
		e.telemetry.ExporterObtraceDeadLetteredItems.Add(ctx, int64(items), metric.WithAttributes(attrs...))
		outcome = zap.Int("dead_lettered_items", items)
	case holdErr != nil && !errors.Is(holdErr, errDeadLetterDrop):
		// The dead-letter queue cannot take it now (a full disk): keep the
		// data queued and retry rather than lose it.
		return fmt.Errorf("%w (kept in the sending queue: the dead-letter queue refused it: %w)", errors.Unwrap(err), holdErr)
	default:
		e.telemetry.ExporterObtraceFailedItems.Add(ctx, int64(items), metric.WithAttributes(attrs...))
		outcome = zap.Int("dropped_items", items)
	}

	if hint := rejectionHint(ex.statusCode); hint != "" {
		fields := append([]zap.Field{
			zap.String("signal", string(e.signal)),
			zap.String("endpoint", e.url),
			outcome,
			zap.Strings("service_names", b.serviceNames()),
		}, e.idFields...)
		if e.passthrough {
			fields = append(fields, zap.String("key_fingerprint", fingerprint))
		}
		if isRedirect(ex.statusCode) {
			fields = append(fields, zap.String("redirect_host", ex.redirectHost))
		}
		e.rejections.logFor(ex.statusCode, fingerprint, held, fields...)
	}
	if held {
		return nil
	}
	return err
}
