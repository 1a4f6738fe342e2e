package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Secrets of the reliability scenarios. Every collector output is searched for all of them
// (assertNoSecret), whatever the scenario.
const (
	// testReceiverToken is the bearer token the gateway's receivers require (OTELCOL_RECEIVER_TOKEN).
	testReceiverToken = "rcvtok_e2e_9f8e7d6c5b4a3210fedc"
	// tenantKeyA and tenantKeyB are two tenants' own Obtrace API keys (multi-tenant gateway).
	tenantKeyA = "obt_live_tenantA_1111aaaa2222bbbb"
	tenantKeyB = "obt_live_tenantB_3333cccc4444dddd"
	// tenantKeyRevoked is a key the fake ingest answers 401 to.
	tenantKeyRevoked = "obt_live_revoked_5555eeee6666ffff"
)

// receiverAuth is the header that authenticates a client to the gateway's receivers.
var receiverAuth = map[string]string{"Authorization": "Bearer " + testReceiverToken}

// shippedConfig is the absolute path of a file in configs/.
func shippedConfig(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "configs", name))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// loopbackOverlay moves a shipped config onto the test's loopback ports and fake ingest. The
// collector merges --config files in order (maps deep, lists replaced), so everything else is
// the shipped file's. Retries are made quicker so scenarios take seconds.
func loopbackOverlay(ports collectorPorts, ingestURL string) string {
	return portsOverlay(ports) + fmt.Sprintf(`
exporters:
  obtrace:
    endpoint: "%s"
    retry_on_failure: {initial_interval: 100ms, max_interval: 1s}
`, ingestURL)
}

// portsOverlay moves a shipped config's OTLP receivers, health check and metrics onto the test's
// loopback ports.
func portsOverlay(ports collectorPorts) string {
	return fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "%[1]s"}
      http: {endpoint: "%[2]s"}
extensions:
  health_check: {endpoint: "%[3]s"}
service:
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %[4]s}}}
`, ports.GRPC, ports.HTTP, ports.Health, ports.Metrics)
}

// shippedRun is one way of running a shipped config on loopback: its command line and
// environment. The same run can be started again (e.g. after a SIGKILL) on the same queue.
type shippedRun struct {
	ports      collectorPorts
	storageDir string
	args       []string
	env        []string
}

// newShippedRun prepares configs/<name> with the loopback overlay and, if not empty, extra
// YAML merged last. The persistent queue lives in storageDir (a fresh one if "").
func newShippedRun(t *testing.T, name, ingestURL, storageDir, extra string) shippedRun {
	t.Helper()
	return newConfigRun(t, shippedConfig(t, name), ingestURL, storageDir, extra)
}

// newConfigRun is newShippedRun for a config file anywhere (e.g. a shipped one a test rewrote).
func newConfigRun(t *testing.T, config, ingestURL, storageDir, extra string) shippedRun {
	t.Helper()
	ports := newCollectorPorts(t)
	if storageDir == "" {
		storageDir = filepath.Join(t.TempDir(), "queue")
	}
	dir := t.TempDir()
	overlay := filepath.Join(dir, "loopback.yaml")
	if err := os.WriteFile(overlay, []byte(loopbackOverlay(ports, ingestURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", config, "--config", overlay}
	if extra != "" {
		path := filepath.Join(dir, "extra.yaml")
		if err := os.WriteFile(path, []byte(extra), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	return shippedRun{
		ports:      ports,
		storageDir: storageDir,
		args:       args,
		env: []string{
			"OTELCOL_RECEIVER_TOKEN=" + testReceiverToken,
			"OTELCOL_STORAGE_DIR=" + storageDir,
			// No API server here: k8s_attributes records the connection's address only (its
			// lookups are tested against a real API server by `make test-k8s`).
			"OTELCOL_K8S_PASSTHROUGH=true",
		},
	}
}

func (r shippedRun) start(t *testing.T) *collector {
	t.Helper()
	return startCollectorArgs(t, r.ports, r.args, r.env...)
}

// kill ends the collector with SIGKILL: no shutdown, no flush.
func (c *collector) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	assertNoSecret(t, "collector output", c.output.String())
}

// pid is the collector's process id.
func (c *collector) pid() int { return c.cmd.Process.Pid }

// tracesRequest builds an OTLP traces export request of n spans named <prefix>-span-<i>.
func tracesRequest(service, prefix string, n int) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetName(fmt.Sprintf("%s-span-%d", prefix, i))
		s.SetTraceID(pcommon.TraceID([16]byte{1, byte(i >> 8), byte(i), 3}))
		s.SetSpanID(pcommon.SpanID([8]byte{2, byte(i >> 8), byte(i)}))
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Millisecond)))
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

func tracesProto(t *testing.T, service, prefix string, n int) []byte {
	t.Helper()
	body, err := tracesRequest(service, prefix, n).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// postOTLP posts body to the collector's OTLP/HTTP receiver and returns the status, the
// response body and the Retry-After header.
func postOTLP(t *testing.T, c *collector, path, contentType string, body []byte, headers map[string]string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+c.httpAddr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(text), resp.Header.Get("Retry-After")
}

// exportGRPC sends one traces request over OTLP/gRPC with the given metadata.
func exportGRPC(t *testing.T, c *collector, req ptraceotlp.ExportRequest, md map[string]string) error {
	t.Helper()
	conn, err := grpc.NewClient(c.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, metadata.New(md))
	_, err = ptraceotlp.NewGRPCClient(conn).Export(ctx, req)
	return err
}

func grpcCode(err error) string {
	return status.Code(err).String()
}

// deliveredNames counts how often each item name arrived in accepted requests on path.
func (f *fakeIngest) deliveredNames(path string) map[string]int {
	names := map[string]int{}
	for _, r := range f.Requests() {
		if r.Path == path && r.Status == http.StatusOK {
			for _, n := range r.Names {
				names[n]++
			}
		}
	}
	return names
}

// vmStatus reads a "VmRSS"/"VmHWM"-style field (kB) of /proc/<pid>/status, in MiB.
func vmStatus(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0, err
			}
			return float64(kb) / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
