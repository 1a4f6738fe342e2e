package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// The agent tests run configs/agent.yaml as shipped, forwarding to configs/gateway.yaml, which
// delivers to the fake ingest: the whole node → gateway → Obtrace path on loopback.

const agentNodeName = "node-e2e-1"

// podLogFile is one container's log as the kubelet lays it out:
// <dir>/<namespace>_<pod>_<uid>/<container>/0.log.
type podLogFile struct {
	Namespace, Pod, UID, Container string
	// Docker writes JSON lines; CRI-O and containerd write "<time> <stream> <F|P> <message>".
	Docker bool
	path   string
}

func (p *podLogFile) create(t *testing.T, dir string) {
	t.Helper()
	p.path = filepath.Join(dir, fmt.Sprintf("%s_%s_%s", p.Namespace, p.Pod, p.UID), p.Container, "0.log")
	if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
		t.Fatal(err)
	}
}

// appendLines writes the lines to path (the live 0.log or a rotated file that the runtime
// still has open) in the container runtime's format.
func (p *podLogFile) appendLines(t *testing.T, path string, lines []string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	var b strings.Builder
	for _, line := range lines {
		now := time.Now().UTC().Format(time.RFC3339Nano)
		if p.Docker {
			fmt.Fprintf(&b, `{"log":%q,"stream":"stdout","time":%q}`+"\n", line+"\n", now)
		} else {
			fmt.Fprintf(&b, "%s stdout F %s\n", now, line)
		}
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// numbered returns n distinct log lines prefix-0 … prefix-(n-1), starting at from.
func numbered(prefix string, from, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("%s-%d", prefix, from+i)
	}
	return lines
}

// agentRun starts configs/agent.yaml on loopback, reading pod logs below logsDir, keeping its
// cursors and queue in storageDir, forwarding to gw.
func agentRun(t *testing.T, gw *collector, logsDir, storageDir string) shippedRun {
	t.Helper()
	ports := newCollectorPorts(t)
	dir := t.TempDir()
	overlay, interval := filepath.Join(dir, "agent-loopback.yaml"), filepath.Join(dir, "agent-interval.yaml")
	if err := os.WriteFile(overlay, []byte(portsOverlay(ports)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(interval, []byte("receivers: {host_metrics: {collection_interval: 1s}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return shippedRun{
		ports:      ports,
		storageDir: storageDir,
		args:       []string{"--config", shippedConfig(t, "agent.yaml"), "--config", overlay, "--config", interval},
		env: []string{
			"OBTRACE_GATEWAY_ENDPOINT=" + gw.grpcAddr,
			"OTELCOL_GATEWAY_TOKEN=" + testReceiverToken,
			"OTELCOL_HOST_ROOT=/",
			"OTELCOL_POD_LOGS_DIR=" + logsDir,
			"OTELCOL_AGENT_STORAGE_DIR=" + storageDir,
			"K8S_NODE_NAME=" + agentNodeName,
			"OTELCOL_K8S_PASSTHROUGH=true",
		},
	}
}

// TestAgentContainerLogsExactlyOnce tails two containers' logs (CRI and docker formats) through a
// kubelet-style rotation (rename, the runtime still writing to the renamed file, a new 0.log)
// and a restart of the agent with lines written while it was down: every line arrives once.
func TestAgentContainerLogsExactlyOnce(t *testing.T) {
	collectorBinary(t)
	ingest := ingesttest.New(t, nil)
	gw := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "").start(t)
	logsDir, storageDir := t.TempDir(), t.TempDir()
	cri := &podLogFile{Namespace: "shop", Pod: "checkout-7d9f8", UID: "0b3c5a9e-1111-2222-3333-444455556666", Container: "app"}
	docker := &podLogFile{Namespace: "shop", Pod: "cart-5c6b7", UID: "7a8b9c0d-aaaa-bbbb-cccc-ddddeeeeffff", Container: "web", Docker: true}
	cri.create(t, logsDir)
	docker.create(t, logsDir)

	want := map[string]bool{}
	write := func(p *podLogFile, path string, lines []string) {
		p.appendLines(t, path, lines)
		for _, l := range lines {
			want[l] = true
		}
	}
	write(cri, cri.path, numbered("cri", 0, 50))
	write(docker, docker.path, numbered("docker", 0, 50))

	run := agentRun(t, gw, logsDir, storageDir)
	agent := run.start(t)
	waitLogLines(t, ingest, want)

	// Rotation as the kubelet does it: rename, the runtime writes its last lines to the renamed
	// file, then reopens 0.log.
	write(cri, cri.path, numbered("cri", 50, 20))
	rotated := cri.path + ".20261201-194500"
	if err := os.Rename(cri.path, rotated); err != nil {
		t.Fatal(err)
	}
	write(cri, rotated, numbered("cri", 70, 10))
	write(cri, cri.path, numbered("cri", 80, 30))
	write(docker, docker.path, numbered("docker", 50, 30))
	waitLogLines(t, ingest, want)

	// Restart: lines written while the agent is down are read from the stored cursors.
	agent.stop(t)
	write(cri, cri.path, numbered("cri", 110, 25))
	write(docker, docker.path, numbered("docker", 80, 25))
	agent = run.start(t)
	write(cri, cri.path, numbered("cri", 135, 25))
	waitLogLines(t, ingest, want)
	// Give duplicates, if any, the time to arrive.
	time.Sleep(2 * time.Second)
	agent.stop(t)

	got := deliveredLines(ingest)
	dups, extra := 0, 0
	for line, n := range got {
		switch {
		case !want[line]:
			extra++
		case n > 1:
			dups += n - 1
		}
	}
	if dups != 0 || extra != 0 {
		t.Errorf("log lines: %d duplicates, %d not written by the test", dups, extra)
	}
	checkPodResource(t, ingest, cri)
	t.Logf("FIGURES agent container logs: %d lines written (rotation + restart), %d delivered, %d duplicates", len(want), len(got), dups)
}

// deliveredLines counts the delivered log bodies; the docker format keeps the line's "\n" in the
// body (as the container wrote it), the CRI formats do not.
func deliveredLines(ingest *ingesttest.Ingest) map[string]int {
	lines := map[string]int{}
	for body, n := range ingest.DeliveredNames(logsPath) {
		lines[strings.TrimSuffix(body, "\n")] += n
	}
	return lines
}

// waitLogLines waits until every wanted line has been delivered.
func waitLogLines(t *testing.T, ingest *ingesttest.Ingest, want map[string]bool) {
	t.Helper()
	waitFor(t, 60*time.Second, fmt.Sprintf("%d log lines at the ingest", len(want)), func() bool {
		got := deliveredLines(ingest)
		for line := range want {
			if got[line] == 0 {
				return false
			}
		}
		return true
	})
}

// checkPodResource checks the resource of p's records: pod identity from the log path (the
// container parser), the node from the agent, host.name from resource_detection.
func checkPodResource(t *testing.T, ingest *ingesttest.Ingest, p *podLogFile) {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"k8s.namespace.name": p.Namespace, "k8s.pod.name": p.Pod, "k8s.pod.uid": p.UID,
		"k8s.container.name": p.Container, "k8s.node.name": agentNodeName, "host.name": host,
	}
	for _, r := range ingest.Requests() {
		if r.Path != logsPath {
			continue
		}
		for _, res := range r.Resources {
			if res["k8s.pod.name"] != p.Pod {
				continue
			}
			for k, v := range want {
				if res[k] != v {
					t.Errorf("resource of %s's logs: %s = %v, want %q", p.Pod, k, res[k], v)
				}
			}
			return
		}
	}
	t.Errorf("no log resource of pod %s at the ingest", p.Pod)
}

// TestAgentHostMetricsCompliant runs the agent's host_metrics through the gateway's semanticmetrics
// processor: they arrive, carry host.name from resource_detection, and draw no finding above
// information level.
func TestAgentHostMetricsCompliant(t *testing.T) {
	collectorBinary(t)
	ingest := ingesttest.New(t, nil)
	gw := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "").start(t)
	agent := agentRun(t, gw, t.TempDir(), t.TempDir()).start(t)

	wantMetrics := []string{"system.cpu.time", "system.memory.usage", "system.cpu.load_average.1m",
		"system.disk.io", "system.filesystem.usage", "system.network.io", "system.paging.operations"}
	var missing []string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("host metrics not delivered: %v", missing)
		}
	})
	waitFor(t, 60*time.Second, "host metrics at the ingest (missing: the last check's)", func() bool {
		got := ingest.DeliveredNames(metricsPath)
		missing = missing[:0]
		for _, m := range wantMetrics {
			if got[m] == 0 {
				missing = append(missing, m)
			}
		}
		return len(missing) == 0
	})
	agent.stop(t)
	gw.stop(t)

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ingest.Requests() {
		for _, res := range r.Resources {
			if r.Path == metricsPath && res["host.name"] != host {
				t.Errorf("host metrics resource: host.name = %v, want %q", res["host.name"], host)
			}
		}
	}

	findings := semanticFindings(t, gw.output.String())
	above := 0
	for _, f := range findings {
		if strings.HasPrefix(f["metric"], "system.") && f["level"] != "information" {
			above++
			t.Errorf("host metric finding above information level: %v", f)
		}
	}
	names := ingest.DeliveredNames(metricsPath)
	t.Logf("FIGURES agent host metrics: %d metric names delivered, %d semantic findings in all, %d above information on system.*", len(names), len(findings), above)
}

// semanticFindings returns the fields of every "semantic metric finding" log line.
func semanticFindings(t *testing.T, output string) []map[string]string {
	t.Helper()
	var findings []map[string]string
	for line := range strings.SplitSeq(output, "\n") {
		_, fields, ok := strings.Cut(line, "semantic metric finding")
		if !ok {
			continue
		}
		start := strings.Index(fields, "{")
		if start < 0 {
			continue
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(fields[start:]), &raw); err != nil {
			t.Fatalf("finding line is not console-encoded JSON fields: %v: %s", err, line)
		}
		f := map[string]string{}
		for k, v := range raw {
			f[k] = fmt.Sprint(v)
		}
		findings = append(findings, f)
	}
	return findings
}
