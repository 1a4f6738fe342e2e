package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

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
	return shippedRun{
		ports:      ports,
		storageDir: storageDir,
		args:       configArgs(t, config, loopbackOverlay(ports, ingestURL), extra),
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

// configArgs writes each non-empty overlay to a file and returns the command line that merges
// them, in order, over config.
func configArgs(t *testing.T, config string, overlays ...string) []string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"--config", config}
	for i, overlay := range overlays {
		if overlay == "" {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("overlay-%d.yaml", i))
		if err := os.WriteFile(path, []byte(overlay), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	return args
}
