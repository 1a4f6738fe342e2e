package obtraceexporter

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// redirectTarget is a plain-http server on another host name than the
// ingest (localhost against 127.0.0.1) that counts what reaches it.
type redirectTarget struct {
	srv            *httptest.Server
	mu             sync.Mutex
	requests       int
	authorizations []string
}

func newRedirectTarget(t *testing.T) *redirectTarget {
	rt := &redirectTarget{}
	rt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		rt.requests++
		if a := r.Header.Get("Authorization"); a != "" {
			rt.authorizations = append(rt.authorizations, a)
		}
		rt.mu.Unlock()
		ingesttest.WriteOK(w)
	}))
	t.Cleanup(rt.srv.Close)
	return rt
}

// url is the target's base URL by the name localhost.
func (rt *redirectTarget) url(t *testing.T) string {
	u, err := url.Parse(rt.srv.URL)
	require.NoError(t, err)
	return "http://localhost:" + u.Port()
}

func (rt *redirectTarget) seen() (int, []string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.requests, append([]string(nil), rt.authorizations...)
}

// newRedirectingIngest is an https ingest on 127.0.0.1 that answers every
// request with status and Location <target><request path>. It returns the
// server and a CA file the exporter trusts it with.
func newRedirectingIngest(t *testing.T, status int, target string) (*httptest.Server, string) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target+r.URL.Path)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv, caFile
}

func TestRedirectIsNotFollowed(t *testing.T) {
	for _, mode := range []AuthMode{authModeAPIKey, authModePassthrough} {
		for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(fmt.Sprintf("%s/%d", mode, status), func(t *testing.T) {
				target := newRedirectTarget(t)
				ingest, caFile := newRedirectingIngest(t, status, target.url(t))
				cfg := testConfigTo(ingest.URL)
				cfg.TLS.CAFile = caFile
				ctx := context.Background()
				secret := testAPIKey
				if mode == authModePassthrough {
					cfg.APIKey = ""
					cfg.Auth.Mode = authModePassthrough
					secret = tenantA
					ctx = withAuthorization("Bearer " + tenantA)
				}
				set, logs := testSettings(component.TelemetrySettings{})
				exp := startTraces(t, set, cfg)

				err := exp.ConsumeTraces(ctx, testTraces(map[string]any{"service.name": "svc"}))
				require.Error(t, err)
				assert.True(t, consumererror.IsPermanent(err), "a redirect is a misconfiguration, not retried")
				host := strings.TrimPrefix(target.url(t), "http://")
				assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", status))
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", host))
				assert.Contains(t, err.Error(), "`endpoint`")
				assert.NotContains(t, err.Error(), secret)

				requests, authorizations := target.seen()
				assert.Zero(t, requests, "nothing reaches the redirect target")
				assert.Empty(t, authorizations)

				entry := logs.FilterLevelExact(zapcore.ErrorLevel).FilterMessageSnippet("redirected").All()
				require.Len(t, entry, 1, logText(logs))
				assert.Equal(t, fmt.Sprintf("%q", host), entry[0].ContextMap()["redirect_host"])
				assert.Contains(t, entry[0].ContextMap()["hint"], "fix endpoint")
				assert.NotContains(t, logText(logs), secret)
			})
		}
	}
}

func TestStartupCheckRedirectIsNotFollowed(t *testing.T) {
	target := newRedirectTarget(t)
	ingest, caFile := newRedirectingIngest(t, http.StatusTemporaryRedirect, target.url(t))
	cfg := startupConfig(ingest.URL)
	cfg.TLS.CAFile = caFile
	set, logs := testSettings(component.TelemetrySettings{})
	startTraces(t, set, cfg)

	entry := waitLog(t, logs, zapcore.WarnLevel, "redirect")
	host := fmt.Sprintf("%q", strings.TrimPrefix(target.url(t), "http://"))
	assert.Equal(t, host, entry.ContextMap()["redirect_host"])
	assert.Contains(t, entry.Message, "HTTP 307")
	assert.Contains(t, entry.Message, host)
	requests, authorizations := target.seen()
	assert.Zero(t, requests, "nothing reaches the redirect target")
	assert.Empty(t, authorizations)
	assertNoKey(t, logs, testAPIKey)
}

func TestRedirectHost(t *testing.T) {
	base, err := url.Parse("https://ingest.example:8443/otlp/v1/traces")
	require.NoError(t, err)
	for location, want := range map[string]string{
		"http://localhost:9/x":                  `"localhost:9"`,
		"/elsewhere":                            `"ingest.example:8443"`,
		"":                                      "(no Location header)",
		"http://[::1":                           "(unparsable Location header)",
		"http://h/" + strings.Repeat("a", 4096): "(Location header too long)",
		"http://user:pw@evil.example/":          `"evil.example"`,
	} {
		assert.Equal(t, want, redirectHost(base, location), location)
	}
}
