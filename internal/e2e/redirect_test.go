package e2e

import (
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
	"time"
)

// redirectTarget is a plain-http server that counts what reaches it: where a redirecting
// ingest points.
type redirectTarget struct {
	server         *httptest.Server
	mu             sync.Mutex
	requests       int
	authorizations int
}

func newRedirectTarget(t *testing.T) *redirectTarget {
	t.Helper()
	rt := &redirectTarget{}
	rt.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		rt.requests++
		if r.Header.Get("Authorization") != "" {
			rt.authorizations++
		}
		rt.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rt.server.Close)
	return rt
}

func (rt *redirectTarget) seen() (requests, authorizations int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.requests, rt.authorizations
}

// TestRedirectIsNotFollowed: an https ingest (127.0.0.1) answers every request, the start-up
// check included, with 307 to plain http on another host name (localhost). The real binary, in
// api_key and in passthrough mode, sends nothing there: the target sees zero requests and zero
// Authorization headers, and the log names the status and the host.
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func(t *testing.T, ingestURL, extra string) shippedRun
		headers map[string]string
	}{
		{name: "api_key", headers: receiverAuth, run: func(t *testing.T, ingestURL, extra string) shippedRun {
			return newShippedRun(t, "gateway.yaml", ingestURL, "", extra)
		}},
		{name: "passthrough", headers: bearer(tenantKeyA), run: func(t *testing.T, ingestURL, extra string) shippedRun {
			return multitenantRun(t, ingestURL, extra, tenantKeyA)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := newRedirectTarget(t)
			u, err := url.Parse(target.server.URL)
			if err != nil {
				t.Fatal(err)
			}
			targetHost := "localhost:" + u.Port()
			var paths sync.Map
			ingest := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				paths.Store(r.URL.Path, true)
				w.Header().Set("Location", "http://"+targetHost+r.URL.Path)
				w.WriteHeader(http.StatusTemporaryRedirect)
			}))
			t.Cleanup(ingest.Close)
			caFile := filepath.Join(t.TempDir(), "ingest-ca.pem")
			if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ingest.Certificate().Raw}), 0o600); err != nil {
				t.Fatal(err)
			}

			run := tc.run(t, ingest.URL, fmt.Sprintf("exporters:\n  obtrace:\n    tls: {ca_file: %q}\n", caFile))
			c := run.start(t)
			if status, text, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", "redirect", 5), tc.headers); status != http.StatusOK {
				t.Fatalf("the gateway refused the request: %d %s", status, text)
			}
			waitFor(t, 30*time.Second, "the redirect to be logged", func() bool {
				return strings.Contains(c.output.String(), "which is not followed; the data is kept in the dead-letter queue")
			})
			if tc.name == "api_key" {
				waitFor(t, 10*time.Second, "the start-up check's redirect to be logged", func() bool {
					return strings.Contains(c.output.String(), "answered the start-up check with a redirect")
				})
			}
			c.stop(t)
			out := c.output.String()

			requests, authorizations := target.seen()
			if requests != 0 || authorizations != 0 {
				t.Errorf("the redirect target saw %d requests, %d with Authorization; want 0", requests, authorizations)
			}
			if !strings.Contains(out, "HTTP 307") || !strings.Contains(out, targetHost) {
				t.Errorf("the log does not name status 307 and host %s:\n%s", targetHost, out)
			}
			if !strings.Contains(out, "fix endpoint") {
				t.Errorf("the log does not tell the operator to fix endpoint:\n%s", out)
			}
			assertNoSecret(t, "collector output", out)
			var ingestPaths []string
			paths.Range(func(k, _ any) bool { ingestPaths = append(ingestPaths, k.(string)); return true })
			t.Logf("FIGURES redirect %s: ingest paths answered 307 %v; redirect target saw %d requests, %d Authorization headers",
				tc.name, ingestPaths, requests, authorizations)
		})
	}
}
