package main

import (
	"fmt"
	"math"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// values extracts one figure per run; failed runs give NaN, which
// bench.Summarize and bench.Ratios skip (so rounds stay aligned).
func values(rs []runResult, f func(runResult) float64) []float64 {
	out := make([]float64, 0, len(rs))
	for _, r := range rs {
		if r.err != nil {
			out = append(out, math.NaN())
			continue
		}
		out = append(out, f(r))
	}
	return out
}

// The per-run figures the report summarizes.
func thrOf(r runResult) float64 { return r.throughput }
func cpuOf(r runResult) float64 { return r.cpuPerM }

// effOf is items per collector CPU-second.
func effOf(r runResult) float64 {
	if r.cpuPerM == 0 {
		return math.NaN()
	}
	return 1e6 / r.cpuPerM
}

// ratio summarizes B ÷ A of f per round.
func ratio(pr *pairResult, f func(runResult) float64) bench.Spread {
	return bench.Summarize(bench.Ratios(values(pr.b, f), values(pr.a, f)))
}

func fmtSpread(s bench.Spread, format string) string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", s.Median, s.Min, s.Max)
}
