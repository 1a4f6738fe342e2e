package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/loopback"
)

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

// freePort returns a free loopback port (see loopback.FreePorts for why not Listen(":0")).
func freePort(t *testing.T) int {
	t.Helper()
	ports, err := loopback.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
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
	t.Helper()
	ports, err := loopback.FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	return collectorPorts{
		GRPC:    fmt.Sprintf("127.0.0.1:%d", ports[0]),
		HTTP:    fmt.Sprintf("127.0.0.1:%d", ports[1]),
		Health:  fmt.Sprintf("127.0.0.1:%d", ports[2]),
		Metrics: strconv.Itoa(ports[3]),
	}
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
	t.Cleanup(func() {
		c.stop(t)
		if t.Failed() {
			t.Logf("output of collector %s:\n%s", strings.Join(args, " "), c.output.String())
		}
	})
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
			_ = resp.Body.Close() // a test request: only its status and body matter
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
