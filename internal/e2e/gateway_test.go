package e2e

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// identityOverlay gives the shipped gateway the identity TestGatewayDeliversEverySignalOnce finds
// on every resource.
const identityOverlay = `
exporters:
  obtrace:
    tenant_id: tenant-e2e
    project_id: project-e2e
    app_id: app-e2e
    env: staging
`

// TestGatewayDeliversEverySignalOnce sends traces, metrics and logs over OTLP/HTTP and
// OTLP/gRPC with the OpenTelemetry Go SDK and checks that every item reaches the ingest once,
// on the contract's paths, authenticated, compressed, with the identity on every resource.
func TestGatewayDeliversEverySignalOnce(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	c := newShippedRun(t, "gateway.yaml", ingest.URL(), "", identityOverlay).start(t)

	workloads := []workload{
		{Protocol: "http", Service: "checkout-api", Prefix: "http", Spans: 25, Points: 20, Logs: 15, Headers: receiverAuth},
		// This service sets its own environment: the gateway must not overwrite it.
		{Protocol: "grpc", Service: "billing-worker", Prefix: "grpc", Spans: 30, Points: 10, Logs: 12,
			Headers:       receiverAuth,
			ResourceAttrs: []attribute.KeyValue{attribute.String("deployment.environment", "canary")}},
	}
	want := sendAll(t, c, workloads...)
	waitDelivered(t, ingest, 30*time.Second, want)
	// A clean shutdown flushes anything still queued; then nothing more may arrive.
	c.stop(t)
	checkDeliveredExactly(t, ingest, want)

	seen := map[string]int{}
	handshakes := 0
	for _, r := range ingest.Requests() {
		if r.Path == initPath {
			// The exporter's start-up handshake (startup_check): JSON, uncompressed, once per
			// endpoint+key, not an OTLP request.
			handshakes++
			if r.Authorization != "Bearer "+testAPIKey {
				t.Errorf("%s: Authorization header is not the Bearer API key", r.Path)
			}
			if r.ContentType != "application/json" {
				t.Errorf("%s: Content-Type %q, want application/json", r.Path, r.ContentType)
			}
			continue
		}
		if r.Authorization != "Bearer "+testAPIKey {
			t.Errorf("%s: Authorization header is not the Bearer API key", r.Path)
		}
		if r.ContentEncoding != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", r.Path, r.ContentEncoding)
		}
		if r.ContentType != "application/x-protobuf" {
			t.Errorf("%s: Content-Type %q, want application/x-protobuf", r.Path, r.ContentType)
		}
		for _, res := range r.Resources {
			checkIdentity(t, r.Path, res)
		}
		for _, name := range r.Names {
			seen[r.Path+" "+name]++
		}
	}
	if handshakes != 1 {
		t.Errorf("ingest saw %d start-up handshakes (%s), want exactly 1", handshakes, initPath)
	}
	for key, n := range seen {
		// Metric data points share their metric's name; spans and logs are unique.
		if n > 1 && !strings.HasPrefix(key, metricsPath) {
			t.Errorf("%s arrived %d times", key, n)
		}
	}
}

func checkIdentity(t *testing.T, path string, res map[string]any) {
	t.Helper()
	for key, want := range map[string]string{
		"obtrace.tenant_id":  "tenant-e2e",
		"obtrace.project_id": "project-e2e",
		"obtrace.app_id":     "app-e2e",
		"obtrace.env":        "staging",
	} {
		if res[key] != want {
			t.Errorf("%s: resource %v: %s = %v, want %q", path, res["service.name"], key, res[key], want)
		}
	}
	wantEnv := "staging"
	if res["service.name"] == "billing-worker" {
		wantEnv = "canary"
	}
	if res["deployment.environment"] != wantEnv {
		t.Errorf("%s: resource %v: deployment.environment = %v, want %q", path, res["service.name"], res["deployment.environment"], wantEnv)
	}
}

// TestGatewayUnauthorizedIsNotRetried: a 401 is permanent. The ingest sees each batch once,
// and the collector says what to fix without printing the key.
func TestGatewayUnauthorizedIsNotRetried(t *testing.T) {
	ingest := ingesttest.New(t, func(ingesttest.Request) ingesttest.Answer { return ingesttest.Answer{Status: http.StatusUnauthorized} })
	c := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "").start(t)

	workload{Protocol: "http", Service: "checkout-api", Prefix: "denied", Spans: 5, Headers: receiverAuth}.send(t, c)
	waitFor(t, 20*time.Second, "the first traces request", func() bool { return ingest.RequestCount(tracesPath) >= 1 })
	// With initial_interval 100ms, a retried request would arrive well within two seconds.
	time.Sleep(2 * time.Second)
	if n := ingest.RequestCount(tracesPath); n != 1 {
		t.Errorf("ingest saw %d traces requests after a 401, want exactly 1 (no retry)", n)
	}
	waitFor(t, 10*time.Second, "the 401 error log", func() bool {
		out := c.output.String()
		return strings.Contains(out, "401") && strings.Contains(out, "OBTRACE_API_KEY")
	})
	c.stop(t)
	assertNoSecret(t, "collector output", c.output.String())
}

// TestGatewayRetriesUnavailable: 503 with Retry-After twice, then success: everything is
// delivered exactly once.
func TestGatewayRetriesUnavailable(t *testing.T) {
	ingest := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		if r.N <= 2 {
			return ingesttest.Answer{Status: http.StatusServiceUnavailable, RetryAfter: retryAfterSeconds(1)}
		}
		return ingesttest.Answer{Status: http.StatusOK}
	})
	c := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "").start(t)

	want := sendAll(t, c, workload{Protocol: "grpc", Service: "checkout-api", Prefix: "retry", Spans: 20, Points: 8, Logs: 10, Headers: receiverAuth})
	waitDelivered(t, ingest, 30*time.Second, want)
	c.stop(t)
	checkDeliveredExactly(t, ingest, want)
	var refused []string
	for path := range want {
		if ingest.RequestCount(path) < 3 {
			refused = append(refused, path)
		}
	}
	sort.Strings(refused)
	if len(refused) > 0 {
		t.Errorf("expected two refused attempts before success on %v", refused)
	}
}
