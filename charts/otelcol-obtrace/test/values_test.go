package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A config change changes the checksum/config annotation, so pods roll.
func TestConfigChangeRollsPods(t *testing.T) {
	minimal := []string{filepath.Join(examplesDir, "gateway-minimal", "values.yaml")}
	a := renderCollected(t, renderCase{release: "r", values: minimal})
	b := renderCollected(t, renderCase{release: "r", values: minimal, sets: []string{"config.exporters.obtrace.sending_queue.batch.flush_timeout=5s"}})
	ca := a.main().template.Annotations["checksum/config"]
	cb := b.main().template.Annotations["checksum/config"]
	if ca == "" || ca == cb {
		t.Fatalf("checksum/config did not change with the config: %q vs %q", ca, cb)
	}
	if got := dig(b.collectorConfig(t), "exporters", "obtrace", "sending_queue", "batch", "flush_timeout"); got != "5s" {
		t.Errorf("config override not merged: sending_queue.batch.flush_timeout = %v", got)
	}
	if got := dig(b.collectorConfig(t), "exporters", "obtrace", "sending_queue", "batch", "min_size"); num(got) != 8192 {
		t.Errorf("deep merge lost the default sending_queue.batch.min_size: %v", got)
	}
}

// The schema rejects typos and wrong types; required values fail clearly.
func TestValuesRejected(t *testing.T) {
	minimal := []string{filepath.Join(examplesDir, "gateway-minimal", "values.yaml")}
	cases := []struct {
		name  string
		sets  []string
		wants []string
	}{
		{"misspelled top-level key", []string{"replicaCont=3"}, []string{"replicaCont", "not allowed"}},
		{"misspelled nested key", []string{"obtrace.apiKey.existingSecretName=x"}, []string{"existingSecretName", "not allowed"}},
		{"wrong type", []string{"autoscaling.maxReplicas=ten"}, []string{"maxReplicas", "want integer"}},
		{"unknown mode", []string{"mode=sidecar"}, []string{"mode"}},
		{"bad memory quantity", []string{"resources.limits.memory=lots"}, []string{"memory"}},
		{"agent without gateway", []string{"mode=agent"}, []string{"agent.gatewayEndpoint is required"}},
		{"misspelled collect switch", []string{"agent.collect.hostMetric=true"}, []string{"hostMetric", "not allowed"}},
		{"agent collects nothing", []string{"mode=agent", "agent.gatewayEndpoint=gw:4317", "agent.collect.otlp=false",
			"agent.collect.hostMetrics=false", "agent.collect.containerLogs=false"}, []string{"agent mode collects nothing"}},
		{"latency threshold in hours", []string{"tailSampling.policies.latencyThreshold=1h"}, []string{"latencyThreshold"}},
		{"sampling share above 100", []string{"tailSampling.policies.probabilisticPercentage=150"}, []string{"probabilisticPercentage"}},
		{"unbounded log line", []string{"agent.collect.maxLogSize=1GiB"}, []string{"maxLogSize"}},
		{"pod label that is no label key", []string{"k8sAttributes.podLabels.team=not a label"}, []string{"podLabels"}},
		{"relative state path", []string{"agent.statePath=var/lib"}, []string{"statePath"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(t, "r", minimal, c.sets...)
			if err == nil {
				t.Fatalf("helm template --set %v succeeded; want a failure", c.sets)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
	t.Run("gateway without receiver token", func(t *testing.T) {
		_, err := render(t, "r", nil, "obtrace.apiKey.value="+secretValueForTests)
		if err == nil || !strings.Contains(err.Error(), "gateway mode needs a receiver token") {
			t.Fatalf("want a clear receiver token error, got %v", err)
		}
	})
	t.Run("agent without gateway token", func(t *testing.T) {
		_, err := render(t, "r", nil, "mode=agent", "agent.gatewayEndpoint=gw:4317")
		if err == nil || !strings.Contains(err.Error(), "agent mode needs the gateway's receiver token") {
			t.Fatalf("want a clear gateway token error, got %v", err)
		}
	})
	t.Run("gateway without API key", func(t *testing.T) {
		_, err := render(t, "r", nil)
		if err == nil || !strings.Contains(err.Error(), "gateway mode needs an Obtrace API key") {
			t.Fatalf("want a clear API key error, got %v", err)
		}
	})
}

// With OTELCOL_BIN, the real binary validates every rendered configuration.
func TestRenderedConfigValidates(t *testing.T) {
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		t.Skip("SKIP: set OTELCOL_BIN=/path/to/otelcol-obtrace to validate the rendered collector configs with the binary")
	}
	for _, c := range allCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range renderCollected(t, c).workloads {
				cfg := w.collectorConfig(t)
				// host_metrics checks that root_path exists: /hostfs is the pod's mount of the
				// host root, so here it is a directory of the test's.
				if dig(cfg, "receivers", "host_metrics") != nil {
					cfg["receivers"].(map[string]any)["host_metrics"].(map[string]any)["root_path"] = t.TempDir()
				}
				text, err := yaml.Marshal(cfg)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(file, text, 0o600); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(bin, "validate", "--config="+file)
				cmd.Env = append(os.Environ(), "OBTRACE_API_KEY=obt_live_test_validate_key", "K8S_NODE_NAME=node-1",
					"OTELCOL_RECEIVER_TOKEN=test-validate-token", "OTELCOL_GATEWAY_TOKEN=test-validate-token")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s validate --config=%s (%s): %v\n%s", bin, file, w.name, err, out)
				}
			}
		})
	}
}
