package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/loopback"
)

// collector is one running collector process.
type collector struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

// running holds every collector started and not yet stopped, so that every
// exit path (return, signal) can stop them.
var (
	runningMu sync.Mutex
	running   = map[*collector]bool{}
)

// startCollector starts bin with args and env (added to the driver's environment).
func startCollector(bin string, args, env []string, logPath string) (*collector, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group (a terminal ^C reaches only the driver, which stops
	// the collector itself); killed by the kernel if the driver dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close() // nothing was written: the child never started
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &collector{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	runningMu.Lock()
	running[c] = true
	runningMu.Unlock()
	go func() {
		c.waitErr = cmd.Wait()
		_ = logf.Close() // the child wrote through its own descriptor; closing ours loses nothing
		close(c.done)
	}()
	return c, nil
}

func (c *collector) pid() int { return c.cmd.Process.Pid }

func (c *collector) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs.
func (c *collector) stop(grace time.Duration) {
	defer func() {
		runningMu.Lock()
		delete(running, c)
		runningMu.Unlock()
	}()
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return
	case <-time.After(grace):
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

func stopAll() {
	runningMu.Lock()
	cs := make([]*collector, 0, len(running))
	for c := range running {
		cs = append(cs, c)
	}
	runningMu.Unlock()
	for _, c := range cs {
		c.stop(5 * time.Second)
	}
}

// logTail returns the last lines of the collector's log.
func (c *collector) logTail(n int) string {
	b, _ := os.ReadFile(c.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitReady polls the health_check extension until it answers 200.
func (c *collector) waitReady(ctx context.Context, healthPort int, timeout time.Duration) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/", healthPort)
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		if c.exited() {
			return fmt.Errorf("collector exited during start-up (%w):\n%s", c.waitErr, c.logTail(15))
		}
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close() // only the status is read
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("collector not ready after %v:\n%s", timeout, c.logTail(15))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePorts returns n distinct free TCP ports on 127.0.0.1 (free when asked: another
// listener could take one before the collector binds it, in which case the run fails at
// start-up and says so).
func freePorts(n int) ([]int, error) { return loopback.FreePorts(n) }
