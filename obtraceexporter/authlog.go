package obtraceexporter

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// rejectionLogInterval is the shortest time between two error logs for the
// same status code; rejections in between are counted and reported with the
// next log entry.
const rejectionLogInterval = 30 * time.Second

// maxRejectionLogKeys is the size above which old rate-limit entries are pruned.
const maxRejectionLogKeys = 4096

// Hints for the statuses that refuse a request outright.
const (
	hint401      = "check OBTRACE_API_KEY: Obtrace did not accept the API key (invalid, revoked or mistyped)"
	hint403      = "check the key's tenant/project scope, or service.name is not a connected app or alias in the project"
	hintRedirect = "fix endpoint: ingest redirects, and the exporter does not follow redirects (the API key would go along); set endpoint to the URL ingest answers on"
)

// rejectionHint returns the hint for a status that refuses a request outright
// (401, 403, any redirect), or "" for any other status.
func rejectionHint(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return hint401
	case status == http.StatusForbidden:
		return hint403
	case isRedirect(status):
		return hintRedirect
	}
	return ""
}

// rejectionLogger logs refused requests (401/403, redirects) at error level and
// partial successes at warn level, at most once per interval per status code
// (and key fingerprint in passthrough mode).
type rejectionLogger struct {
	logger   *zap.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

func newRejectionLogger(logger *zap.Logger, interval time.Duration) *rejectionLogger {
	return &rejectionLogger{
		logger:     logger,
		interval:   interval,
		now:        time.Now,
		last:       make(map[string]time.Time),
		suppressed: make(map[string]int),
	}
}

// logFor reports a refused request, or counts it if the last report of the
// same status and key fingerprint ("" in api_key mode) is more recent than the
// interval: each key has its own interval, so one tenant's storm does not hide
// another tenant's refusal. deadLettered says where the data went. fields
// must not contain the API key.
func (l *rejectionLogger) logFor(status int, fingerprint string, deadLettered bool, fields ...zap.Field) {
	fate := "dropped"
	if deadLettered {
		fate = "kept in the dead-letter queue"
	}
	message := fmt.Sprintf("Obtrace ingest refused the request with HTTP %d; the data is %s and not retried", status, fate)
	if isRedirect(status) {
		message = fmt.Sprintf("Obtrace ingest redirected the request (HTTP %d), which is not followed; the data is %s and not retried: fix endpoint", status, fate)
	}
	l.emit(zapcore.ErrorLevel, fmt.Sprintf("%d/%s", status, fingerprint), message,
		append([]zap.Field{
			zap.Int("http.response.status_code", status),
			zap.String("hint", rejectionHint(status)),
		}, fields...)...)
}

// logOpened reports that a key's circuit breaker opened.
func (l *rejectionLogger) logOpened(fingerprint string, status int, coolOff time.Duration, fields ...zap.Field) {
	l.emit(zapcore.ErrorLevel, "opened/"+fingerprint,
		"Obtrace keeps refusing this tenant's API key; its data is refused at the gateway for the cool-off period, other tenants are not affected",
		append([]zap.Field{
			zap.String("key_fingerprint", fingerprint),
			zap.Int("http.response.status_code", status),
			zap.String("hint", rejectionHint(status)),
			zap.Duration("cool_off", coolOff),
		}, fields...)...)
}

// logRefused reports queued data not sent (no usable key, or the key's
// breaker is open); deliver then dead-letters or drops it.
func (l *rejectionLogger) logRefused(fingerprint string, err error, fields ...zap.Field) {
	l.emit(zapcore.ErrorLevel, "refused/"+fingerprint, "Queued data not sent: it is kept in the dead-letter queue if there is one, else dropped",
		append([]zap.Field{
			zap.String("key_fingerprint", fingerprint),
			zap.String("reason", err.Error()),
		}, fields...)...)
}

// logPartialSuccess reports a partial-success response. message must already
// be redacted and bounded (ingestMessage).
func (l *rejectionLogger) logPartialSuccess(fingerprint, message string, rejected int64, fields ...zap.Field) {
	if fingerprint != "" {
		fields = append(fields, zap.String("key_fingerprint", fingerprint))
	}
	l.emit(zapcore.WarnLevel, "partial/"+fingerprint, "Partial success response from Obtrace ingest; the rejected items are dropped",
		append([]zap.Field{
			zap.String("message", message),
			zap.Int64("rejected_items", rejected),
		}, fields...)...)
}

// emit logs message at level with fields and the number of entries for key
// suppressed since the last one, unless that last one is more recent than
// the interval; then it only counts this one.
func (l *rejectionLogger) emit(level zapcore.Level, key, message string, fields ...zap.Field) {
	suppressed, ok := l.allow(key)
	if !ok {
		return
	}
	l.logger.Log(level, message, append(fields, zap.Int("suppressed_since_last_log", suppressed))...)
}

// allow reports whether an entry for key may be logged now, and how many were
// suppressed since the last one.
func (l *rejectionLogger) allow(key string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if last, ok := l.last[key]; ok && now.Sub(last) < l.interval {
		l.suppressed[key]++
		return 0, false
	}
	if len(l.last) >= maxRejectionLogKeys {
		// Many keys (an auth storm across tenants): forget entries older than
		// the interval so the table stays bounded.
		for k, t := range l.last {
			if now.Sub(t) >= l.interval {
				delete(l.last, k)
				delete(l.suppressed, k)
			}
		}
	}
	suppressed := l.suppressed[key]
	l.last[key] = now
	l.suppressed[key] = 0
	return suppressed, true
}
