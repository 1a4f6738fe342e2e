// Package e2e runs the real otelcol-obtrace binary on loopback ports and feeds it with the
// OpenTelemetry Go SDK, the way a service would. `make test-integration` builds the binary and
// passes its path in OTELCOL_BIN.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testAPIKey is what the collector is given as OBTRACE_API_KEY; every test searches the
// collector's output for it.
const testAPIKey = "obt_live_e2e_0123456789abcdef"

func collectorBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OTELCOL_BIN is not set: run the integration tests through `make test-integration`")
		}
		t.Skip("OTELCOL_BIN is not set; `make test-integration` builds the binary and sets it")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// freePort returns a loopback port that is free now, chosen at random below the kernel's
// ephemeral range. A port from `Listen(":0")` comes from that range, and between our check and
// the collector's bind an outgoing connection (the SDK, the collector's own exports) could take
// it as its source port; below the range only another listener can.
func freePort(t *testing.T) int {
	t.Helper()
	low := ephemeralPortLow()
	for attempt := 0; attempt < 200; attempt++ {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free loopback port below the ephemeral range after 200 tries")
	return 0
}

// ephemeralPortLow is the first port the kernel hands out for outgoing connections.
func ephemeralPortLow() int {
	const fallback = 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallback
	}
	var low, high int
	if _, err := fmt.Sscan(string(b), &low, &high); err != nil || low <= 11000 {
		return fallback
	}
	return low
}

// syncBuffer collects the collector's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// collector is one running otelcol-obtrace process.
type collector struct {
	cmd        *exec.Cmd
	args       []string // command-line arguments, for a restart on the same configuration
	env        []string // extra environment, ditto
	output     *syncBuffer
	grpcAddr   string
	httpAddr   string
	healthAddr string
	done       chan struct{}
}

// collectorPorts are the loopback addresses a test config listens on, chosen at run time.
type collectorPorts struct {
	GRPC, HTTP, Health, Metrics string
}

func newCollectorPorts(t *testing.T) collectorPorts {
	return collectorPorts{
		GRPC:    fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		HTTP:    fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		Health:  fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		Metrics: fmt.Sprintf("%d", freePort(t)),
	}
}

// startCollector writes config to a file, starts the binary on it and waits until its
// health_check answers. The process is stopped when the test ends.
func startCollector(t *testing.T, ports collectorPorts, config string, env ...string) *collector {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return startCollectorArgs(t, ports, []string{"--config", path}, env...)
}

// startCollectorArgs starts the binary with args (e.g. several --config files, which the
// collector merges in order) and waits until its health_check answers.
func startCollectorArgs(t *testing.T, ports collectorPorts, args []string, env ...string) *collector {
	t.Helper()
	c := startCollectorNoWait(t, ports, args, env...)
	c.waitHealthy(t)
	return c
}

// startCollectorNoWait starts the binary and returns at once, for tests of start-up failures.
func startCollectorNoWait(t *testing.T, ports collectorPorts, args []string, env ...string) *collector {
	t.Helper()
	c := &collector{
		args:       args,
		env:        env,
		output:     &syncBuffer{},
		grpcAddr:   ports.GRPC,
		httpAddr:   ports.HTTP,
		healthAddr: ports.Health,
		done:       make(chan struct{}),
	}
	c.cmd = exec.Command(collectorBinary(t), args...)
	c.cmd.Env = append(os.Environ(), append([]string{"OBTRACE_API_KEY=" + testAPIKey}, env...)...)
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.stop(t) })
	return c
}

func (c *collector) waitHealthy(t *testing.T) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			t.Fatalf("collector exited before it was healthy:\n%s", c.output.String())
		default:
		}
		resp, err := client.Get("http://" + c.healthAddr + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("collector not healthy after 30s:\n%s", c.output.String())
}

// stop sends SIGTERM, waits for a clean shutdown (which flushes the exporters) and kills the
// process if it does not exit in time.
func (c *collector) stop(t *testing.T) {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Errorf("collector did not stop within 20s of SIGTERM")
	}
	assertNoSecret(t, "collector output", c.output.String())
}

// secrets are searched for in every output: the exporter's API key, the receivers' bearer
// tokens and the tenants' own API keys (see reliability_test.go).
var secrets = map[string]string{
	"the API key":              testAPIKey,
	"the receiver token":       testReceiverToken,
	"tenant A's API key":       tenantKeyA,
	"tenant B's API key":       tenantKeyB,
	"the revoked tenant's key": tenantKeyRevoked,
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for what, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("%s appears in %s", what, where)
		}
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}
