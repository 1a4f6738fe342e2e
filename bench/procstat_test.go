package bench

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// a command name with spaces and parentheses; utime 1234, stime 566
	stat := "4242 (otel (col) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1234 566 0 0 20 0 12 0 1000 2000000 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	got, err := ParseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 18 * time.Second; got != want {
		t.Errorf("ParseStatCPU = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "1 (x S 1 2", "1 (x) S 1 2 3", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s"} {
		if _, err := ParseStatCPU(bad); err == nil {
			t.Errorf("ParseStatCPU(%q): no error", bad)
		}
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\totelcol\nVmPeak:\t  900000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\n"
	got, err := ParseStatusKB(strings.NewReader(status), "VmHWM")
	if err != nil || got != 81234*1024 {
		t.Errorf("VmHWM = %d, %v", got, err)
	}
	if _, err := ParseStatusKB(strings.NewReader(status), "VmSwap"); err == nil {
		t.Error("missing key: no error")
	}
	if _, err := ParseStatusKB(strings.NewReader("VmHWM: lots\n"), "VmHWM"); err == nil {
		t.Error("malformed line: no error")
	}
}

func TestProcSelf(t *testing.T) {
	pid := os.Getpid()
	if _, err := ProcCPU(pid); err != nil {
		t.Errorf("ProcCPU: %v", err)
	}
	rss, err := ProcPeakRSS(pid)
	if err != nil || rss < 1<<20 {
		t.Errorf("ProcPeakRSS = %d, %v", rss, err)
	}
}

func TestParseMachineBusy(t *testing.T) {
	got, err := ParseMachineBusy("cpu  100 5 50 9000 20 3 2 1 0 0\ncpu0 1 2 3 4 5\n")
	if err != nil || got != 1610*time.Millisecond {
		t.Errorf("ParseMachineBusy = %v, %v; want 1.61s", got, err)
	}
	if _, err := ParseMachineBusy("intr 1 2 3\n"); err == nil {
		t.Error("no cpu line: no error")
	}
	if _, err := MachineBusy(); err != nil {
		t.Errorf("MachineBusy: %v", err)
	}
}
