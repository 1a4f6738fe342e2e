package obtraceexporter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRejectionLoggerRateLimits(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := newRejectionLogger(zap.New(core), 30*time.Second)
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }

	l.logFor(http.StatusUnauthorized, "", false)
	now = now.Add(time.Second)
	l.logFor(http.StatusUnauthorized, "", false) // suppressed
	l.logFor(http.StatusUnauthorized, "", false) // suppressed
	l.logFor(http.StatusForbidden, "", false)    // another status: logged
	now = now.Add(30 * time.Second)
	l.logFor(http.StatusUnauthorized, "", false) // interval over: logged with the count

	entries := logs.All()
	require.Len(t, entries, 3)
	statuses := []any{}
	for _, e := range entries {
		statuses = append(statuses, e.ContextMap()["http.response.status_code"])
	}
	assert.Equal(t, []any{int64(401), int64(403), int64(401)}, statuses)
	assert.EqualValues(t, 0, entries[0].ContextMap()["suppressed_since_last_log"])
	assert.EqualValues(t, 2, entries[2].ContextMap()["suppressed_since_last_log"])
	assert.Contains(t, entries[0].ContextMap()["hint"], "OBTRACE_API_KEY")
	assert.Contains(t, entries[1].ContextMap()["hint"], "tenant/project scope")
}
