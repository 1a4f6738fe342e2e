package e2e

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

const (
	tracesPath  = "/otlp/v1/traces"
	metricsPath = "/otlp/v1/metrics"
	logsPath    = "/otlp/v1/logs"
	// initPath is the obtrace exporter's start-up handshake (startup_check).
	initPath = "/v1/init"
)

// gatewayConfig is configs/gateway.yaml's pipeline on loopback ports, exporting to a fake ingest,
// with the persistent queue in a temporary directory.
func gatewayConfig(t *testing.T, ports collectorPorts, ingestURL string) string {
	return fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "%[1]s"}
      http: {endpoint: "%[2]s"}
processors:
  memory_limiter: {check_interval: 1s, limit_mib: 512, spike_limit_mib: 128}
  semanticmetrics: {mode: warn}
  batch: {timeout: 200ms}
exporters:
  obtrace:
    api_key: ${env:OBTRACE_API_KEY}
    endpoint: "%[4]s"
    tenant_id: tenant-e2e
    project_id: project-e2e
    app_id: app-e2e
    env: staging
    retry_on_failure: {enabled: true, initial_interval: 100ms, max_interval: 2s, max_elapsed_time: 0s}
    sending_queue: {enabled: true, storage: file_storage/queue}
extensions:
  health_check: {endpoint: "%[3]s"}
  file_storage/queue: {directory: "%[5]s", fsync: true}
service:
  extensions: [health_check, file_storage/queue]
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %[6]s}}}
  pipelines:
    traces:  {receivers: [otlp], processors: [memory_limiter, batch], exporters: [obtrace]}
    metrics: {receivers: [otlp], processors: [memory_limiter, semanticmetrics, batch], exporters: [obtrace]}
    logs:    {receivers: [otlp], processors: [memory_limiter, batch], exporters: [obtrace]}
`, ports.GRPC, ports.HTTP, ports.Health, ingestURL, t.TempDir(), ports.Metrics)
}

// TestGatewayDeliversEverySignalOnce sends traces, metrics and logs over OTLP/HTTP and
// OTLP/gRPC with the OpenTelemetry Go SDK and checks that every item reaches the ingest once,
// on the contract's paths, authenticated, compressed, with the identity on every resource.
func TestGatewayDeliversEverySignalOnce(t *testing.T) {
	ingest := newFakeIngest(t, nil)
	ports := newCollectorPorts(t)
	c := startCollector(t, ports, gatewayConfig(t, ports, ingest.URL()))

	workloads := []workload{
		{Protocol: "http", Service: "checkout-api", Prefix: "http", Spans: 25, Points: 20, Logs: 15},
		// This service sets its own environment: the gateway must not overwrite it.
		{Protocol: "grpc", Service: "billing-worker", Prefix: "grpc", Spans: 30, Points: 10, Logs: 12,
			ResourceAttrs: []attribute.KeyValue{attribute.String("deployment.environment", "canary")}},
	}
	want := sendAll(t, c, workloads...)
	ingest.waitDelivered(t, 30*time.Second, want)
	// A clean shutdown flushes anything still queued; then nothing more may arrive.
	c.stop(t)
	ingest.checkDeliveredExactly(t, want)

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
	ingest := newFakeIngest(t, func(string, int) response { return response{Status: http.StatusUnauthorized} })
	ports := newCollectorPorts(t)
	c := startCollector(t, ports, gatewayConfig(t, ports, ingest.URL()))

	workload{Protocol: "http", Service: "checkout-api", Prefix: "denied", Spans: 5}.send(t, c)
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
	ingest := newFakeIngest(t, func(_ string, n int) response {
		if n < 2 {
			return response{Status: http.StatusServiceUnavailable, RetryAfter: retryAfterSeconds(1)}
		}
		return response{Status: http.StatusOK}
	})
	ports := newCollectorPorts(t)
	c := startCollector(t, ports, gatewayConfig(t, ports, ingest.URL()))

	want := sendAll(t, c, workload{Protocol: "grpc", Service: "checkout-api", Prefix: "retry", Spans: 20, Points: 8, Logs: 10})
	ingest.waitDelivered(t, 30*time.Second, want)
	c.stop(t)
	ingest.checkDeliveredExactly(t, want)
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
