package main

import (
	"fmt"
	"strings"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// The report of the e2e variants (the durable pairs): end-to-end latency and
// delivery by signal, and the issue 10 targets.

func p50Of(r runResult) float64 { return r.e2e.Quantile(0.50).Seconds() * 1e3 }
func p99Of(r runResult) float64 { return r.e2e.Quantile(0.99).Seconds() * 1e3 }

// signalRate is the items/s of one signal delivered in a run.
func signalRate(sig bench.Signal) func(runResult) float64 {
	return func(r runResult) float64 {
		if r.measuredTime <= 0 {
			return 0
		}
		return float64(r.bySignal[sig]) / r.measuredTime.Seconds()
	}
}

// loadOf describes the load a variant was driven with.
func loadOf(o options, v *variantDef) string {
	workers := o.workers
	if v.workers > 0 {
		workers = v.workers
	}
	if v.rate > 0 {
		return fmt.Sprintf("open loop, %.0f items/s offered, %d senders", v.rate, workers)
	}
	return fmt.Sprintf("closed loop, %d workers", workers)
}

// e2eTable has a row per e2e variant; "" when no pair has one.
func e2eTable(o options, results []*pairResult) string {
	var rows strings.Builder
	for _, pr := range results {
		for _, s := range pr.sides() {
			if !s.v.e2e {
				continue
			}
			sig := make([]string, 0, 3)
			for _, g := range bench.Signals {
				sig = append(sig, fmt.Sprintf("%.0f", bench.Summarize(values(s.rs, signalRate(g))).Median))
			}
			fmt.Fprintf(&rows, "| %s | %s | %s | %s | %s | %s | %s |\n", pr.def.id, s.v.label, loadOf(o, s.v),
				fmtSpread(bench.Summarize(values(s.rs, thrOf)), "%.0f"), strings.Join(sig, " / "),
				fmtSpread(bench.Summarize(values(s.rs, p50Of)), "%.1f"), fmtSpread(bench.Summarize(values(s.rs, p99Of)), "%.1f"))
		}
	}
	if rows.Len() == 0 {
		return ""
	}
	return "End-to-end latency (from the load generator sending a request to the sink receiving its items) and delivery by signal, durable pairs:\n\n" +
		"| pair | variant | load | items/s delivered | traces / metrics / logs items/s | end-to-end p50 ms | end-to-end p99 ms |\n" +
		"|---|---|---|---:|---:|---:|---:|\n" + rows.String() + "\n"
}

// durableRows judge the issue 10 targets, each on the per-round ratio ours ÷ stock.
func durableRows(byID map[string]*pairResult) string {
	var b strings.Builder
	row := func(id, target, measure string, f func(runResult) float64, ok func(float64) bool) {
		pr := byID[id]
		if pr == nil {
			return
		}
		r := ratio(pr, f)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", target, measure, fmtSpread(r, "%.3f"), yesNo(r.N > 0 && ok(r.Median)))
	}
	atLeast := func(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
	atMost := func(x float64) func(float64) bool { return func(v float64) bool { return v <= x } }
	row("durable", "durable gateway ≥ 0.80× stock throughput at saturation, 4 workers", "items/s ours shipped ÷ stock in-memory (pair durable)", thrOf, atLeast(0.80))
	row("durable32", "… 32 workers", "items/s ours shipped ÷ stock in-memory (pair durable32)", thrOf, atLeast(0.80))
	row("durable", "durable gateway CPU per item ≤ 1.3× stock, 4 workers", "collector CPU per item ours shipped ÷ stock in-memory (pair durable)", cpuOf, atMost(1.3))
	row("durable32", "… 32 workers", "collector CPU per item ours shipped ÷ stock in-memory (pair durable32)", cpuOf, atMost(1.3))
	row("durablerate", "durable gateway p99 latency at a fixed rate ≤ 2× stock", "end-to-end p99 ours shipped ÷ stock in-memory (pair durablerate)", p99Of, atMost(2))
	row("upstreamfsync", "durable gateway ≥ 3× upstream otlp_http on the same fsync'd queue", "items/s ours shipped ÷ stock otlp_http with the persistent queue (pair upstreamfsync)", thrOf, atLeast(3))
	return b.String()
}
