package main

import (
	"fmt"
	"strings"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// targetsTable judges each target of BENCHMARKS.md from the medians of the runs.
func targetsTable(results []*pairResult, floors map[string]bench.FloorResult) string {
	var b strings.Builder
	b.WriteString("| target | measure | value: median (range over rounds) | result |\n|---|---|---:|---|\n")
	byID := map[string]*pairResult{}
	for _, pr := range results {
		byID[pr.def.id] = pr
	}
	if pr := byID["obtrace"]; pr != nil {
		thr, eff := ratio(pr, thrOf), ratio(pr, effOf)
		fmt.Fprintf(&b, "| obtrace ≥ 0.97× stock throughput | items/s ours ÷ stock | %s | %s |\n", fmtSpread(thr, "%.3f"), yesNo(thr.N > 0 && thr.Median >= 0.97))
		fmt.Fprintf(&b, "| … at equal CPU | items per CPU-second ours ÷ stock | %s | %s |\n", fmtSpread(eff, "%.3f"), yesNo(eff.N > 0 && eff.Median >= 0.97))
	}
	var passCPU bench.Spread
	if pr := byID["warn"]; pr != nil {
		passCPU = bench.Summarize(values(pr.a, cpuOf))
		r := ratio(pr, cpuOf)
		over := bench.Spread{Median: (r.Median - 1) * 100, Min: (r.Min - 1) * 100, Max: (r.Max - 1) * 100, N: r.N}
		fmt.Fprintf(&b, "| semanticmetrics warn ≤ 5%% CPU per data point | CPU per data point, warn ÷ pass-through − 1 | %s | %s |\n", fmtSpread(over, "%+.1f%%"), yesNo(r.N > 0 && r.Median <= 1.05))
	}
	if pr := byID["normalize"]; pr != nil {
		b.WriteString(normalizeRows(pr, passCPU))
	}
	b.WriteString(durableRows(byID))
	b.WriteString(floorRows(results, floors))
	b.WriteString("\n")
	return b.String()
}

// normalizeRows compares the processors' own costs: each pipeline's CPU per
// data point minus the pass-through's (pair warn).
func normalizeRows(pr *pairResult, passCPU bench.Spread) string {
	whole := bench.Summarize(bench.Ratios(values(pr.a, cpuOf), values(pr.b, cpuOf)))
	out := fmt.Sprintf("| (context) | whole-pipeline CPU per data point, transform ÷ normalize | %s | |\n", fmtSpread(whole, "%.3f"))
	if passCPU.N == 0 {
		return out + "| normalize ≥ 2× faster than transform | needs the warn pair's pass-through | n/a | not measured |\n"
	}
	ta := bench.Summarize(values(pr.a, cpuOf))
	nb := bench.Summarize(values(pr.b, cpuOf))
	tInc, nInc := ta.Median-passCPU.Median, nb.Median-passCPU.Median
	val, ok := "", false
	switch {
	case nInc <= 0 && tInc > 0:
		val, ok = fmt.Sprintf("transform +%.2f, normalize %+.2f CPU-s/M over pass-through (normalize not measurable above it)", tInc, nInc), true
	case nInc <= 0:
		val = fmt.Sprintf("transform %+.2f, normalize %+.2f CPU-s/M over pass-through: both within noise", tInc, nInc)
	default:
		val, ok = fmt.Sprintf("%.2f× (transform +%.2f, normalize +%.2f CPU-s/M over pass-through)", tInc/nInc, tInc, nInc), tInc/nInc >= 2
	}
	return out + fmt.Sprintf("| normalize ≥ 2× faster than transform | processor CPU per data point (median minus pass-through median), transform ÷ normalize | %s | %s |\n", val, yesNo(ok))
}

// floorRows compare the obtrace pair's variants and the pass-through with the floor.
func floorRows(results []*pairResult, floors map[string]bench.FloorResult) string {
	var b strings.Builder
	for _, pr := range results {
		f := floors[pr.def.floor].CPUPerMillion()
		fg := floors[pr.def.floor+"+gzip"].CPUPerMillion()
		for _, s := range pr.sides() {
			if pr.def.id != "obtrace" && s.v.label != "pass-through" {
				continue
			}
			c := bench.Summarize(values(s.rs, cpuOf))
			if c.N == 0 || f == 0 {
				continue
			}
			fmt.Fprintf(&b, "| pipeline CPU per item within 3× of the floor | %s: CPU per item ÷ floor (÷ floor with gzip) | %.2f× (%.2f×) | %s |\n", s.v.label, c.Median/f, c.Median/fg, yesNo(c.Median/f <= 3))
		}
	}
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}
