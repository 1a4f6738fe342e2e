package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// configEnv is the environment the shipped configs are validated with: test values for every
// variable they reference.
func configEnv(t *testing.T) []string {
	return append(os.Environ(),
		"OBTRACE_API_KEY="+testAPIKey,
		"OTELCOL_STORAGE_DIR="+t.TempDir(),
		"OTELCOL_RECEIVER_TOKEN="+testReceiverToken,
		// the agent's host_metrics checks that its root_path (default /hostfs, the mount in a pod) exists
		"OTELCOL_HOST_ROOT=/",
		// and its k8s_attributes watches the pods of the node named here
		"K8S_NODE_NAME=validate-node",
	)
}

func runBinary(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(collectorBinary(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	assertNoSecret(t, "output of "+strings.Join(args, " "), string(out))
	return string(out), err
}

func shippedConfigs(t *testing.T) []string {
	files, err := filepath.Glob("../../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no configs found in configs/")
	}
	return files
}

// TestShippedConfigsValidate runs `otelcol-obtrace validate` on every file in configs/.
func TestShippedConfigsValidate(t *testing.T) {
	for _, file := range shippedConfigs(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			if out, err := runBinary(t, configEnv(t), "validate", "--config", file); err != nil {
				t.Fatalf("validate %s: %v\n%s", file, err, out)
			}
		})
	}
}

// TestPrintConfigRedactsAPIKey: print-config shows the resolved configuration, never the key.
func TestPrintConfigRedactsAPIKey(t *testing.T) {
	out, err := runBinary(t, configEnv(t), "print-config",
		"--config", "../../configs/gateway.yaml")
	if err != nil {
		t.Fatalf("print-config: %v\n%s", err, out)
	}
	if !strings.Contains(out, "api_key") || !strings.Contains(out, "[REDACTED]") {
		t.Fatalf("print-config output has no redacted api_key entry:\n%s", out)
	}
}

func TestVersionIsTheDistributions(t *testing.T) {
	out, err := runBinary(t, os.Environ(), "--version")
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if !strings.Contains(out, "otelcol-obtrace") || !strings.Contains(out, "0.1.0") {
		t.Errorf("--version prints %q, want the distribution name and version 0.1.0", out)
	}
}

func TestComponentsListsOurs(t *testing.T) {
	out, err := runBinary(t, os.Environ(), "components")
	if err != nil {
		t.Fatalf("components: %v\n%s", err, out)
	}
	// ours, and the Kubernetes components that the shipped configs need
	for _, name := range []string{"name: obtrace", "name: semanticmetrics", "name: otlpguard", "name: semanticfindings",
		"name: otlp", "name: file_storage", "name: host_metrics", "name: file_log", "name: k8s_attributes",
		"name: resource_detection", "name: load_balancing", "name: tail_sampling", "name: kafka"} {
		if !strings.Contains(out, name) {
			t.Errorf("components output lacks %q", name)
		}
	}
}

// TestBadAPIKeyIsRefusedAtStart: a browser key stops the collector with a clear message.
func TestBadAPIKeyIsRefusedAtStart(t *testing.T) {
	env := append(configEnv(t), "OBTRACE_API_KEY=obt_pub_browserkey123")
	out, err := runBinary(t, env, "validate", "--config", "../../configs/gateway.yaml")
	if err == nil {
		t.Fatalf("validate accepted a browser (obt_pub_) key:\n%s", out)
	}
	if !strings.Contains(out, "obt_pub_") {
		t.Errorf("the error does not explain that obt_pub_ keys are browser keys:\n%s", out)
	}
	if strings.Contains(out, "obt_pub_browserkey123") {
		t.Errorf("the error prints the key:\n%s", out)
	}
}
