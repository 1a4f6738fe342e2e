package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// loopFS makes an ext4 filesystem of sizeMiB in a file and loop-mounts it (no reserved blocks, so
// "full" means full for root too). It skips the test where that is impossible (not root, no
// mkfs.ext4, no loop device); it is unmounted when the test ends.
func loopFS(t *testing.T, sizeMiB int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: a loop mount needs root")
	}
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		t.Skip("SKIP: no mkfs.ext4")
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(sizeMiB) << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(mkfs, "-q", "-F", "-m", "0", img).CombinedOutput(); err != nil {
		t.Skipf("SKIP: mkfs.ext4: %v %s", err, out)
	}
	if out, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		t.Skipf("SKIP: mount -o loop is not possible here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s; detaching lazily", mnt, err, out)
			_ = exec.Command("umount", "-l", mnt).Run()
		}
	})
	return mnt
}

// fillFS writes a ballast file into dir until the filesystem answers ENOSPC and returns its path.
func fillFS(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // the ballast only has to fill the disk; a failed write is what it is for
	for _, chunk := range []int{1 << 20, 64 << 10, 4 << 10, 512} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("filling %s: %v", dir, err)
				}
				break
			}
		}
	}
	_ = f.Sync()
	return path
}

func freeBytes(t *testing.T, dir string) uint64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Bavail * uint64(st.Bsize)
}

// diskFullTally records what the clients were told about each request.
type diskFullTally struct {
	mu       sync.Mutex
	spans    int
	accepted map[string]bool // request prefix → answered OK
	refused  map[string]bool // request prefix → answered with a retryable error
	answers  map[string]int  // "http 200", "grpc Unavailable", ...
	bad      []string        // answers that are neither OK nor retryable
}

func newDiskFullTally(spans int) *diskFullTally {
	return &diskFullTally{spans: spans, accepted: map[string]bool{}, refused: map[string]bool{}, answers: map[string]int{}}
}

// send posts one traces request over HTTP or gRPC and records the answer; it reports whether
// the request was accepted.
func (d *diskFullTally) send(t *testing.T, c *collector, proto, prefix string) bool {
	t.Helper()
	req := tracesRequest("disk-svc", prefix, d.spans)
	req.Traces().ResourceSpans().At(0).Resource().Attributes().PutStr("padding", strings.Repeat("p", 16<<10))
	var answer string
	ok, retryable := false, false
	if proto == "grpc" {
		err := exportGRPC(t, c, req, map[string]string{"authorization": receiverAuth["Authorization"]})
		answer = "grpc " + grpcCode(err)
		ok = err == nil
		code := status.Code(err)
		retryable = code == codes.Unavailable || code == codes.ResourceExhausted
		if !ok {
			answer += ": " + status.Convert(err).Message()
		}
	} else {
		body, err := req.MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		st, text, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", body, receiverAuth)
		answer = fmt.Sprintf("http %d", st)
		ok = st == http.StatusOK
		retryable = st == http.StatusServiceUnavailable || st == http.StatusTooManyRequests
		if !ok {
			answer += ": " + strings.TrimSpace(text)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers[answer]++
	switch {
	case ok:
		d.accepted[prefix] = true
	case retryable:
		d.refused[prefix] = true
	default:
		d.bad = append(d.bad, prefix+": "+answer)
	}
	return ok
}

func (d *diskFullTally) acceptedSpans() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.accepted) * d.spans
}

// check compares what the ingest received with what the clients were told: lost (accepted, never
// delivered), duplicates, leaked (refused, delivered anyway).
func (d *diskFullTally) check(ingest *ingesttest.Ingest) (lost, dups, leaked int, lostRequests []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delivered := ingest.DeliveredNames(tracesPath)
	for prefix := range d.accepted {
		missing := 0
		for i := 0; i < d.spans; i++ {
			switch n := delivered[fmt.Sprintf("%s-span-%d", prefix, i)]; {
			case n == 0:
				missing++
			case n > 1:
				dups += n - 1
			}
		}
		if missing > 0 {
			lostRequests = append(lostRequests, prefix)
		}
		lost += missing
	}
	for name := range delivered {
		if d.refused[name[:strings.LastIndex(name, "-span-")]] {
			leaked++
		}
	}
	sort.Strings(lostRequests)
	return lost, dups, leaked, lostRequests
}

func (d *diskFullTally) answerSummary() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	keys := make([]string, 0, len(d.answers))
	for k := range d.answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d × %q", d.answers[k], k))
	}
	return strings.Join(parts, ", ")
}

func running(c *collector) bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// TestDiskFull: the filesystem of the persistent queue runs full (ENOSPC) while the ingest is
// down, then the ingest comes back while the disk is still full, then the space returns. The
// collector keeps running; requests it cannot store are refused with a retryable error (HTTP
// 503 / gRPC Unavailable); every item a client saw accepted is delivered once space returns;
// no refused item is delivered.
func TestDiskFull(t *testing.T) {
	mnt := loopFS(t, 16)
	addr, url := unusedIngestAddr(t)
	// Debug level: the queue logs the item it drops on a failed read only at debug level.
	run := newShippedRun(t, "gateway.yaml", url, filepath.Join(mnt, "queue"), "service: {telemetry: {logs: {level: debug}}}\n")
	c := run.start(t)
	all := []*collector{c}
	tally := newDiskFullTally(200)
	protos := []string{"http", "grpc"}

	// 1. Space left, ingest down: accepted into the queue.
	for i := range 6 {
		if !tally.send(t, c, protos[i%2], fmt.Sprintf("before-full-%d", i)) {
			t.Fatalf("before the disk is full: request refused (%s)", tally.answerSummary())
		}
	}

	// 2. The disk is full, ingest still down: send until the gateway refuses (bounded).
	ballast := fillFS(t, mnt)
	freeAtFull := freeBytes(t, mnt)
	refusedBefore := 0
	for i := 0; i < 60 && running(c); i++ {
		if !tally.send(t, c, protos[i%2], fmt.Sprintf("full-down-%d", i)) {
			refusedBefore++
			if refusedBefore >= 6 {
				break
			}
		}
	}
	if refusedBefore == 0 {
		t.Errorf("the gateway accepted every request on a full disk (%s)", tally.answerSummary())
	}

	// 3. The ingest comes back while the disk is still full: the queue reads and deletes items
	// (bbolt writes) on a full filesystem; clients keep sending.
	ingest := ingesttest.NewOn(t, addr, nil)
	for i := 0; i < 10 && running(c); i++ {
		tally.send(t, c, protos[i%2], fmt.Sprintf("full-up-%d", i))
		time.Sleep(100 * time.Millisecond)
	}
	deliveredWhileFull := ingest.Delivered(tracesPath)
	aliveWhileFull := running(c)

	// 4. Space returns: the ballast goes; new requests are accepted again and everything accepted
	// is delivered.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	restarted := false
	if !aliveWhileFull {
		t.Logf("the collector exited on the full disk:\n%s", c.output.String())
		c = run.start(t)
		all = append(all, c)
		restarted = true
	}
	for i := range 6 {
		if !tally.send(t, c, protos[i%2], fmt.Sprintf("after-full-%d", i)) {
			t.Errorf("after space returned: request refused (%s)", tally.answerSummary())
		}
	}
	want := tally.acceptedSpans()
	logs := func() string {
		var text string
		var textSb282 strings.Builder
		for _, x := range all {
			textSb282.WriteString(x.output.String())
		}
		text += textSb282.String()
		return text
	}
	// Queue items dropped after a failed read-side write (upstream bug, see below): each leaves a
	// debug line "Failed to dispatch item" (an upper bound: the line also covers other failures).
	deletedUndelivered := func() int { return strings.Count(logs(), "Failed to dispatch item") }
	// Wait until every accepted span arrived, or until what is missing is explained by those
	// deletions and nothing has arrived for 2 s (bounded).
	deadline, lastChange, lastDelivered := time.Now().Add(20*time.Second), time.Now(), -1
	for time.Now().Before(deadline) {
		lost, _, _, lostReqs := tally.check(ingest)
		if lost == 0 {
			break
		}
		if d := ingest.Delivered(tracesPath); d != lastDelivered {
			lastDelivered, lastChange = d, time.Now()
		} else if len(lostReqs) <= deletedUndelivered() && time.Since(lastChange) > 2*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.stop(t)

	lost, dups, leaked, lostReqs := tally.check(ingest)
	explained := deletedUndelivered()
	if lost > 0 {
		// Known, upstream (exporterhelper v0.160.0 persistent_queue.go, getNextItem): when the
		// metadata write that marks an item as dispatched fails (ENOSPC), the item is treated as
		// unreadable ("Failed to dispatch item", debug level) and deleted (itemDispatchingFinish;
		// a delete can succeed on a full disk because it reuses free bbolt pages, and its
		// "delete the item first" fallback from open-telemetry/opentelemetry-collector#7396
		// is there to make it succeed) — without being delivered. This test fails on any loss
		// not covered by such a drop; docs/reliability.md ("Disk full") has the details.
		t.Logf("KNOWN LOSS: %d accepted spans (requests %v) never delivered; %d queue items dropped on a failed read (upstream bug)", lost, lostReqs, explained)
	}
	if len(lostReqs) > explained {
		t.Errorf("%d accepted spans were never delivered (requests %v); only %d covered by the known upstream drop", lost, lostReqs, explained)
		for _, x := range all {
			for line := range strings.SplitSeq(x.output.String(), "\n") {
				if strings.Contains(line, "\twarn\t") || strings.Contains(line, "\terror\t") || strings.Contains(line, "dispatch") {
					t.Log(line)
				}
			}
		}
	}
	if leaked > 0 {
		t.Errorf("%d spans the client was told to retry were delivered anyway", leaked)
	}
	for _, b := range tally.bad {
		t.Errorf("neither accepted nor refused with a retryable error: %s", b)
	}
	if !aliveWhileFull {
		t.Errorf("the collector exited while the disk was full")
	}
	text := logs()
	t.Logf("FIGURES disk-full (ext4 loop, 16 MiB): free at full %d B; answers: %s; accepted %d spans (%d requests), refused %d requests, delivered %d (%d while the disk was full), lost %d (queue items dropped on a failed read %d), duplicates %d, refused-but-delivered %d; collector alive while full %v, restarted %v; log lines: %q %d, %q %d",
		freeAtFull, tally.answerSummary(), want, len(tally.accepted), len(tally.refused), ingest.Delivered(tracesPath), deliveredWhileFull,
		lost, explained, dups, leaked, aliveWhileFull, restarted,
		"no space left on device", strings.Count(text, "no space left on device"),
		"Failed updating currently dispatched items", strings.Count(text, "Failed updating currently dispatched items"))
}
