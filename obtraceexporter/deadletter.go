package obtraceexporter

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	ossignal "os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/deadletter"
	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

// errDeadLetterDrop: the dead-letter queue does not keep this batch (there
// is none, or the batch is larger than it): it is dropped and counted.
var errDeadLetterDrop = errors.New("not dead-lettered")

// deadLetters is one signal's dead-letter queue (see the package
// internal/deadletter for the store and its guarantees).
type deadLetters struct {
	cfg        DeadLetterConfig
	dir        string
	signalAttr attribute.KeyValue
	telemetry  *metadata.TelemetryBuilder
	logger     *zap.Logger
	// decode turns a stored payload back into a batch for resend.
	decode func([]byte) (batch, error)
	// resend sends a batch again (deliver without the dead-letter queue).
	resend func(context.Context, batch) (*exchange, error)

	store *deadletter.Store // nil when there is no directory
	stop  context.CancelFunc
	done  chan struct{}
	// warnings are the dead-letter queue's own warnings, at most one per
	// rejectionLogInterval (one key for all of them, as they share a cause: the disk).
	warnings *rejectionLogger
}

func newDeadLetters(cfg DeadLetterConfig, id component.ID, s signal, tb *metadata.TelemetryBuilder, logger *zap.Logger) *deadLetters {
	dl := &deadLetters{cfg: cfg, signalAttr: attribute.String("signal", string(s)), telemetry: tb, logger: logger,
		warnings: newRejectionLogger(logger, rejectionLogInterval)}
	if cfg.Directory != "" {
		dl.dir = filepath.Join(cfg.Directory, url.PathEscape(id.String())+"_"+string(s))
	}
	return dl
}

// start opens the store and starts resending (at once when resend_on_start,
// then every resend_interval and on SIGUSR1).
func (dl *deadLetters) start() error {
	if dl.dir == "" {
		return nil
	}
	store, err := deadletter.Open(dl.dir, dl.cfg.MaxBytes)
	if err != nil {
		return fmt.Errorf("`dead_letter.directory`: cannot open %s: %w; fix its permissions or choose another directory", dl.dir, err)
	}
	dl.store = store
	if rec := store.Recovery(); rec != (deadletter.Recovery{}) {
		dl.logger.Warn("Dead-letter queue recovered after a crash or damage", zap.String("directory", dl.dir), zap.Any("recovery", rec))
	}
	if err := dl.telemetry.RegisterExporterObtraceDeadLetterBytesCallback(func(_ context.Context, o metric.Int64Observer) error {
		_, _, bytes := store.Stats()
		o.Observe(bytes, metric.WithAttributes(dl.signalAttr))
		return nil
	}); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	dl.stop, dl.done = stop, make(chan struct{})
	// Registered before Start returns: from then on SIGUSR1 resends instead
	// of ending the process (Go's default).
	onDemand := make(chan os.Signal, 1)
	ossignal.Notify(onDemand, syscall.SIGUSR1)
	go dl.resendLoop(ctx, onDemand)
	return nil
}

func (dl *deadLetters) shutdown() error {
	if dl.store == nil {
		return nil
	}
	dl.stop()
	<-dl.done
	return dl.store.Close()
}

// hold stores b, refused with status and err, with the tenant key it needs
// for resend (passthrough mode; the queue files hold it too, see
// docs/reliability.md, "Secrets at rest"). It reports false with
// errDeadLetterDrop when b is dropped instead, and false with another error
// when the store failed (a full disk): b is then kept where it is.
func (dl *deadLetters) hold(b batch, key, fingerprint string, status int, refusal error) (bool, error) {
	if dl.store == nil {
		return false, errDeadLetterDrop
	}
	payload, err := b.marshal()
	if err != nil {
		return false, errDeadLetterDrop
	}
	dropped, err := dl.store.Put(deadletter.Entry{
		Payload: withTenantKey(key, payload), Items: b.itemCount(), Status: status,
		Reason: refusal.Error(), KeyFingerprint: fingerprint,
	})
	if errors.Is(err, deadletter.ErrTooLarge) {
		dl.countDropped(int64(b.itemCount()), "too_large")
		dl.warn("Dead-letter queue refused a request larger than dead_letter.max_bytes; it is dropped",
			zap.Int("dropped_items", b.itemCount()), zap.Int64("max_bytes", dl.cfg.MaxBytes))
		return false, errDeadLetterDrop
	}
	if err != nil {
		dl.warn("Dead-letter queue cannot store a refused request; it stays in the sending queue", zap.Error(err))
		return false, err
	}
	dl.countDroppedOldest(dropped)
	return true, nil
}

func (dl *deadLetters) countDroppedOldest(dropped deadletter.DropReport) {
	if dropped.Entries == 0 {
		return
	}
	dl.countDropped(dropped.Items, "full")
	dl.warn("Dead-letter queue full: dropped its oldest entries to make room",
		zap.Int64("dropped_entries", dropped.Entries), zap.Int64("dropped_items", dropped.Items), zap.Int64("max_bytes", dl.cfg.MaxBytes))
}

func (dl *deadLetters) countDropped(items int64, reason string) {
	dl.telemetry.ExporterObtraceDeadLetterDroppedItems.Add(context.Background(), items,
		metric.WithAttributes(dl.signalAttr, attribute.String("reason", reason)))
}

// warn logs a dead-letter warning unless one was logged within rejectionLogInterval.
func (dl *deadLetters) warn(msg string, fields ...zap.Field) {
	dl.warnings.emit(zapcore.WarnLevel, "dead-letter", msg, append(fields, zap.String("directory", dl.dir))...)
}

func (dl *deadLetters) resendLoop(ctx context.Context, onDemand chan os.Signal) {
	defer close(dl.done)
	defer ossignal.Stop(onDemand)
	var schedule <-chan time.Time
	if dl.cfg.ResendInterval > 0 {
		ticker := time.NewTicker(dl.cfg.ResendInterval)
		defer ticker.Stop()
		schedule = ticker.C
	}
	if dl.cfg.ResendOnStart {
		dl.resendAll(ctx, "start")
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-schedule:
			dl.resendAll(ctx, "schedule")
		case <-onDemand:
			dl.resendAll(ctx, "SIGUSR1")
		}
	}
}

// resendAll sends the entries again, oldest first, one at a time. An entry
// delivered is removed; one refused again stays, with the new status. A
// refusal that is not about the entry's own data (a wrong key, ingest down)
// ends the pass: the entries after it would fail the same way.
func (dl *deadLetters) resendAll(ctx context.Context, trigger string) {
	entries, _, _ := dl.store.Stats()
	if entries == 0 {
		return
	}
	var resent, failed int64
	var stopStatus int
	cursor := dl.store.Scan()
	for ctx.Err() == nil && cursor.Next() {
		rec := cursor.Record()
		key, payload := splitTenantKey(rec.Payload)
		b, err := dl.decode(payload)
		if err != nil {
			dl.logger.Error("Dead-letter entry cannot be decoded; it is dropped", zap.Uint64("id", uint64(rec.ID)), zap.Error(err))
			dl.countDropped(int64(rec.Items), "undecodable")
			_ = dl.store.Ack(rec.ID)
			continue
		}
		sendCtx := ctx
		if key != "" {
			sendCtx = withOnlyTenantKey(ctx, key)
		}
		ex, err := dl.resend(sendCtx, b)
		if err == nil {
			if ackErr := dl.store.Ack(rec.ID); ackErr != nil {
				dl.warn("Dead-letter entry delivered but not removed; it may be delivered again", zap.Error(ackErr))
			}
			resent += int64(rec.Items)
			continue
		}
		failed += int64(rec.Items)
		dropped, markErr := dl.store.MarkFailed(rec.ID, ex.statusCode, err.Error())
		if markErr != nil {
			dl.warn("Dead-letter entry refused again and its status not updated", zap.Error(markErr))
		}
		dl.countDroppedOldest(dropped)
		if ex.statusCode != http.StatusBadRequest && ex.statusCode != http.StatusRequestEntityTooLarge {
			stopStatus = ex.statusCode
			break
		}
	}
	if resent > 0 {
		dl.telemetry.ExporterObtraceDeadLetterResentItems.Add(ctx, resent, metric.WithAttributes(dl.signalAttr))
	}
	left, leftItems, _ := dl.store.Stats()
	dl.logger.Info("Dead-letter queue resent", zap.String("trigger", trigger), zap.Int64("delivered_items", resent),
		zap.Int64("refused_again_items", failed), zap.Int("stopped_at_status", stopStatus),
		zap.Int64("entries_left", left), zap.Int64("items_left", leftItems), zap.String("signal", dl.signalAttr.Value.AsString()))
}

// resendBatch is deliver without the dead-letter queue: HTTP 500 retried,
// 413 split, anything else returned.
func (e *obtraceExporter) resendBatch(ctx context.Context, b batch) (*exchange, error) {
	ex, err := e.sendRetryingServerErrors(ctx, b)
	if err == nil || !consumererror.IsPermanent(err) || ex.statusCode != http.StatusRequestEntityTooLarge {
		return ex, err
	}
	first, second, ok := b.halves()
	if !ok {
		return ex, err
	}
	if ex, err := e.resendBatch(ctx, first); err != nil {
		return ex, err
	}
	return e.resendBatch(ctx, second)
}

// A stored payload is the tenant key (empty in api_key mode) and the OTLP
// request: key length (uint16, little-endian), key, request.

func withTenantKey(key string, payload []byte) []byte {
	out := make([]byte, 0, 2+len(key)+len(payload))
	out = binary.LittleEndian.AppendUint16(out, uint16(len(key))) //nolint:gosec // len(key) <= maxTenantKeyBytes
	out = append(out, key...)
	return append(out, payload...)
}

func splitTenantKey(stored []byte) (key string, payload []byte) {
	if len(stored) < 2 {
		return "", nil
	}
	n := int(binary.LittleEndian.Uint16(stored))
	if len(stored) < 2+n {
		return "", nil
	}
	return string(stored[2 : 2+n]), stored[2+n:]
}
