package main

import (
	"strings"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

func runWithLatency(thr float64, lat time.Duration) runResult {
	var h bench.LatencyHistogram
	for range 100 {
		h.Record(lat)
	}
	return runResult{throughput: thr, cpuPerM: 1e6 / thr, measuredTime: time.Second, bySignal: [3]int64{1, 2, 3}, e2e: h.Snapshot()}
}

func TestDurableReport(t *testing.T) {
	o := options{workers: 4}
	mk := func(id string, aThr, bThr float64, aLat, bLat time.Duration, rate float64) *pairResult {
		return &pairResult{def: &pairDef{id: id, a: variantDef{label: "stock", e2e: true, rate: rate}, b: variantDef{label: "ours", e2e: true, workers: 32}},
			a: []runResult{runWithLatency(aThr, aLat)}, b: []runResult{runWithLatency(bThr, bLat)}}
	}
	results := []*pairResult{
		mk("durable", 100, 90, time.Millisecond, time.Millisecond, 0),
		mk("durablerate", 100, 100, 1024*time.Microsecond, 4096*time.Microsecond, 60000), // bucket bounds: an exact ratio
		mk("upstreamfsync", 10, 20, time.Millisecond, time.Millisecond, 0),
	}
	byID := map[string]*pairResult{}
	for _, pr := range results {
		byID[pr.def.id] = pr
	}
	rows := durableRows(byID)
	for _, want := range []string{
		"4 workers | items/s ours shipped ÷ stock in-memory (pair durable) | 0.900 (0.900–0.900) | **met**",
		"CPU per item ≤ 1.3× stock, 4 workers | collector CPU per item ours shipped ÷ stock in-memory (pair durable) | 1.111 (1.111–1.111) | **met**",
		"(pair durablerate) | 4.000 (4.000–4.000) | **missed**",
		"(pair upstreamfsync) | 2.000 (2.000–2.000) | **missed**",
	} {
		if !strings.Contains(rows, want) {
			t.Errorf("targets lack %q:\n%s", want, rows)
		}
	}
	if strings.Contains(rows, "durable32") {
		t.Errorf("a pair that did not run is judged:\n%s", rows)
	}
	table := e2eTable(o, results)
	for _, want := range []string{"| durablerate | stock | open loop, 60000 items/s offered, 4 senders |", "| durable | ours | closed loop, 32 workers | 90 (90–90) | 1 / 2 / 3 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("e2e table lacks %q:\n%s", want, table)
		}
	}
	if e2eTable(o, nil) != "" {
		t.Error("e2e table without e2e pairs")
	}
}
