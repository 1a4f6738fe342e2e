package obtraceexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// initRecord is one handshake request as the fake init server saw it.
type initRecord struct {
	path, method, authorization, contentType, contentEncoding string
	body                                                      initRequest
}

// fakeInit is an httptest server on 127.0.0.1 that records every request and
// answers with status (after block, if set, is closed).
type fakeInit struct {
	srv     *httptest.Server
	mu      sync.Mutex
	records []initRecord
	arrived chan struct{} // receives once per request
}

func newFakeInit(t *testing.T, status int, block chan struct{}) *fakeInit {
	f := &fakeInit{arrived: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := initRecord{path: r.URL.Path, method: r.Method, authorization: r.Header.Get("Authorization"),
			contentType: r.Header.Get("Content-Type"), contentEncoding: r.Header.Get("Content-Encoding")}
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &rec.body)
		f.mu.Lock()
		f.records = append(f.records, rec)
		f.mu.Unlock()
		f.arrived <- struct{}{}
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(f.srv.Close)
	if block != nil {
		// Runs before srv.Close (cleanups run last-in first-out).
		t.Cleanup(func() { close(block) })
	}
	return f
}

func (f *fakeInit) requests() []initRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]initRecord(nil), f.records...)
}

// startupConfig is a valid config towards endpoint with the handshake on.
func startupConfig(endpoint string) *Config {
	cfg := testConfigTo("")
	cfg.Endpoint = endpoint
	cfg.StartupCheck = true
	return cfg
}

// waitLog waits until a log entry with msg at level was observed.
func waitLog(t *testing.T, logs *observer.ObservedLogs, level zapcore.Level, msg string) observer.LoggedEntry {
	t.Helper()
	var found []observer.LoggedEntry
	require.Eventually(t, func() bool {
		found = logs.FilterLevelExact(level).FilterMessageSnippet(msg).All()
		return len(found) > 0
	}, 10*time.Second, 10*time.Millisecond, "no %s log %q; got %v", level, msg, logs.All())
	return found[0]
}

// assertNoKey checks that no observed log entry contains the API key.
func assertNoKey(t *testing.T, logs *observer.ObservedLogs, key string) {
	t.Helper()
	for _, e := range logs.All() {
		assert.NotContains(t, fmt.Sprint(e.Message, e.ContextMap()), key)
	}
}

func TestStartupCheckAccepted(t *testing.T) {
	f := newFakeInit(t, http.StatusOK, nil)
	cfg := startupConfig(f.srv.URL + "/")
	set, logs := testSettings(component.TelemetrySettings{})
	set.BuildInfo = component.BuildInfo{Command: "otelcol-obtrace", Version: "1.2.3"}

	// All three signals share one endpoint+key: one handshake.
	startTraces(t, set, cfg)
	startMetrics(t, set, cfg)
	startLogs(t, set, cfg)

	entry := waitLog(t, logs, zapcore.InfoLevel, "Obtrace ingest reachable, API key accepted")
	assert.Equal(t, f.srv.URL, entry.ContextMap()["endpoint"])
	assert.Equal(t, keyFingerprint(testAPIKey), entry.ContextMap()["key_fingerprint"])
	time.Sleep(200 * time.Millisecond)

	reqs := f.requests()
	require.Len(t, reqs, 1, "one handshake per endpoint+key")
	r := reqs[0]
	assert.Equal(t, "/v1/init", r.path)
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, "Bearer "+testAPIKey, r.authorization)
	assert.Equal(t, "application/json", r.contentType)
	assert.Empty(t, r.contentEncoding, "the handshake is not compressed")
	assert.Equal(t, initRequest{SDK: "otelcol-obtrace", SDKVersion: "1.2.3", ServiceName: "otelcol-obtrace"}, r.body)
	assertNoKey(t, logs, testAPIKey)
}

func TestStartupCheckRefused(t *testing.T) {
	for status, hint := range map[int]string{http.StatusUnauthorized: hint401, http.StatusForbidden: hint403} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeInit(t, status, nil)
			set, logs := testSettings(component.TelemetrySettings{})
			startTraces(t, set, startupConfig(f.srv.URL))

			entry := waitLog(t, logs, zapcore.WarnLevel, "refused the API key at the start-up check")
			assert.Equal(t, hint, entry.ContextMap()["hint"])
			assert.EqualValues(t, status, entry.ContextMap()["http.response.status_code"])
			assert.Len(t, f.requests(), 1)
			assertNoKey(t, logs, testAPIKey)
		})
	}
}

func TestStartupCheckNotOffered(t *testing.T) {
	f := newFakeInit(t, http.StatusNotFound, nil)
	set, logs := testSettings(component.TelemetrySettings{})
	startTraces(t, set, startupConfig(f.srv.URL))

	waitLog(t, logs, zapcore.DebugLevel, "does not offer the start-up handshake")
	assert.Zero(t, logs.FilterLevelExact(zapcore.WarnLevel).Len())
}

func TestStartupCheckUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there: connection refused

	set, logs := testSettings(component.TelemetrySettings{})
	began := time.Now()
	startTraces(t, set, startupConfig(endpoint))
	assert.Less(t, time.Since(began), 2*time.Second, "Start does not wait for the handshake")

	waitLog(t, logs, zapcore.WarnLevel, "cannot reach Obtrace ingest at "+endpoint+": ")
	waitLog(t, logs, zapcore.WarnLevel, "; data will be queued and retried")
	assertNoKey(t, logs, testAPIKey)
}

func TestStartupCheckSkipped(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"disabled": func(cfg *Config) { cfg.StartupCheck = false },
		"passthrough": func(cfg *Config) {
			cfg.APIKey = ""
			cfg.Auth.Mode = authModePassthrough
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeInit(t, http.StatusOK, nil)
			cfg := startupConfig(f.srv.URL)
			mutate(cfg)
			set, _ := testSettings(component.TelemetrySettings{})
			startTraces(t, set, cfg)
			time.Sleep(300 * time.Millisecond)
			assert.Empty(t, f.requests())
		})
	}
}

func TestStartupCheckShutdownDuringSlowHandshake(t *testing.T) {
	f := newFakeInit(t, http.StatusOK, make(chan struct{}))
	cfg := startupConfig(f.srv.URL)
	cfg.Timeout = time.Minute // only Shutdown can end the handshake
	set, logs := testSettings(component.TelemetrySettings{})

	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	select {
	case <-f.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the handshake never arrived")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	require.NoError(t, exp.Shutdown(ctx))
	assert.Less(t, time.Since(began), 2*time.Second, "Shutdown cancels the handshake")
	assert.Zero(t, logs.FilterLevelExact(zapcore.WarnLevel).Len(), "a cancelled handshake is not a warning")
}
