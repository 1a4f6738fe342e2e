package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// hostileUnitsRSSBoundMiB bounds the collector's VmHWM through each metric-name and unit attack
// below (before the bounds in semanticmetrics: a stack overflow, minutes of CPU, 1.82 GB of heap
// kept by the caches, 21 MB of log for one request). The largest scenario moves 50 MB of units
// through the pipeline (decode, queue, one batch, gzip), which alone takes it to ~440 MiB: the
// bound is on that, not on a retained cache (the caches' byte budgets are unit-tested).
const hostileUnitsRSSBoundMiB = 640

// gaugesWithUnits is one metrics request of a gauge per unit, each with one data point.
func gaugesWithUnits(t *testing.T, service string, units ...string) []byte {
	t.Helper()
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", service)
	sm := rm.ScopeMetrics().AppendEmpty()
	for i, unit := range units {
		m := sm.Metrics().AppendEmpty()
		m.SetName(fmt.Sprintf("hostile.unit.%d", i))
		m.SetUnit(unit)
		m.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(1)
	}
	return mustProto(t, pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto)
}

// TestHostileMetricUnits sends the metric-unit attacks that ended or stalled the landed gateway
// through configs/gateway.yaml (semanticmetrics in warn mode): each request is answered, the
// process stays alive and healthy, its log and memory stay bounded, and a good request is
// delivered after each.
func TestHostileMetricUnits(t *testing.T) {
	unique100KB := func(i int) string { return fmt.Sprintf("%06d", i) + strings.Repeat("By.", 100_000/3) }
	scenarios := []struct {
		name     string
		requests func(t *testing.T) [][]byte
	}{
		{"unit of 1.5M '(' 's' 1.5M ')'", func(t *testing.T) [][]byte {
			return [][]byte{gaugesWithUnits(t, "hostile", strings.Repeat("(", 1_500_000)+"s"+strings.Repeat(")", 1_500_000))}
		}},
		{"unit of 20,000 terms Ys32", func(t *testing.T) [][]byte {
			return [][]byte{gaugesWithUnits(t, "hostile", strings.TrimSuffix(strings.Repeat("Ys32.", 20_000), "."))}
		}},
		{"unit with a 1,000,000-digit factor", func(t *testing.T) [][]byte {
			return [][]byte{gaugesWithUnits(t, "hostile", strings.Repeat("9", 1_000_000)+"s")}
		}},
		{"15 gauges with 1 MiB units", func(t *testing.T) [][]byte {
			units := make([]string, 15)
			for i := range units {
				units[i] = fmt.Sprintf("%02d", i) + strings.Repeat("m", 1<<20)
			}
			return [][]byte{gaugesWithUnits(t, "hostile", units...)}
		}},
		{"500 metrics with unique 100 KB units in 5 requests", func(t *testing.T) [][]byte {
			var reqs [][]byte
			for r := range 5 {
				units := make([]string, 100)
				for i := range units {
					units[i] = unique100KB(r*100 + i)
				}
				reqs = append(reqs, gaugesWithUnits(t, "hostile", units...))
			}
			return reqs
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ingest := ingesttest.New(t, nil)
			c := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "").start(t)
			idle, err := vmStatus(c.pid(), "VmRSS")
			if err != nil {
				t.Fatal(err)
			}
			logBefore := len(c.output.String())
			headers := map[string]string{"Authorization": "Bearer " + testReceiverToken, "Content-Encoding": "gzip"}
			start := time.Now()
			for _, body := range sc.requests(t) {
				if code, text, _ := postOTLP(t, c, "/v1/metrics", "application/x-protobuf", gzipBytes(t, body), headers); code != http.StatusOK {
					t.Fatalf("hostile metrics request: HTTP %d %s", code, text)
				}
			}
			answered := time.Since(start)
			checkStillServing(t, c, ingest)
			logBytes := len(c.output.String()) - logBefore
			peak, err := vmStatus(c.pid(), "VmHWM")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.output.String(), "unit.too_long") {
				t.Errorf("no unit.too_long finding in the log")
			}
			// The units are megabytes; what the collector logs about them is cut to 256 bytes each.
			if logBytes > 256<<10 {
				t.Errorf("the collector logged %d bytes for these requests, want under 256 KiB", logBytes)
			}
			if peak > hostileUnitsRSSBoundMiB {
				t.Errorf("VmHWM %.0f MiB (idle %.0f MiB); want under %d MiB", peak, idle, hostileUnitsRSSBoundMiB)
			}
			t.Logf("FIGURES hostile units %s: answered in %s, log %d bytes, RSS idle %.0f MiB, VmHWM %.0f MiB", sc.name, answered.Round(time.Millisecond), logBytes, idle, peak)
		})
	}
}
