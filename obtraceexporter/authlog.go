package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"

import (
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// rejectionLogInterval is the shortest time between two error logs for the
// same status code; rejections in between are counted and reported with the
// next log entry.
const rejectionLogInterval = 30 * time.Second

// Hints for the statuses Obtrace uses to refuse a request outright.
const (
	hint401 = "check OBTRACE_API_KEY: Obtrace did not accept the API key (invalid, revoked or mistyped)"
	hint403 = "check the key's tenant/project scope, or service.name is not a connected app or alias in the project"
)

// rejectionHint returns the hint for a status Obtrace uses to refuse a
// request outright, or "" for any other status.
func rejectionHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return hint401
	case http.StatusForbidden:
		return hint403
	}
	return ""
}

// rejectionLogger logs refused requests (401/403) at error level, at most once
// per interval per status code.
type rejectionLogger struct {
	logger   *zap.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       map[int]time.Time
	suppressed map[int]int
}

func newRejectionLogger(logger *zap.Logger, interval time.Duration) *rejectionLogger {
	return &rejectionLogger{
		logger:     logger,
		interval:   interval,
		now:        time.Now,
		last:       make(map[int]time.Time),
		suppressed: make(map[int]int),
	}
}

// log reports a refused request, or counts it if the last report of the same
// status is more recent than the interval. fields must not contain the API key.
func (l *rejectionLogger) log(status int, fields ...zap.Field) {
	l.mu.Lock()
	now := l.now()
	if last, ok := l.last[status]; ok && now.Sub(last) < l.interval {
		l.suppressed[status]++
		l.mu.Unlock()
		return
	}
	suppressed := l.suppressed[status]
	l.last[status] = now
	l.suppressed[status] = 0
	l.mu.Unlock()

	l.logger.Error("Obtrace ingest refused the request; the data is dropped and not retried",
		append([]zap.Field{
			zap.Int("http.response.status_code", status),
			zap.String("hint", rejectionHint(status)),
			zap.Int("suppressed_since_last_log", suppressed),
		}, fields...)...)
}
