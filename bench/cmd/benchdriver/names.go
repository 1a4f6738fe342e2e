package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// namesTable shows what each variant of the normalize pair delivered, so the
// two are seen to do the same renames.
func namesTable(pr *pairResult) string {
	a, bn := firstNames(pr.a), firstNames(pr.b)
	if a == nil && bn == nil {
		return ""
	}
	keys := map[bench.MetricKey]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range bn {
		keys[k] = true
	}
	sorted := make([]bench.MetricKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, func(x, y bench.MetricKey) int {
		return strings.Compare(x.Name+"\x00"+x.Unit, y.Name+"\x00"+y.Unit)
	})
	var b strings.Builder
	ta, tb := totalPoints(a), totalPoints(bn)
	b.WriteString("Metrics delivered to the sink in one round of the normalize pair (share of the data points):\n\n")
	b.WriteString("| metric | unit | transform (OTTL) | semanticmetrics normalize |\n|---|---|---:|---:|\n")
	for _, k := range sorted {
		fmt.Fprintf(&b, "| `%s` | `%s` | %.1f%% | %.1f%% |\n", k.Name, k.Unit, 100*float64(a[k])/ta, 100*float64(bn[k])/tb)
	}
	b.WriteString("\n")
	return b.String()
}

// firstNames is the metric names of the first successful run that recorded them.
func firstNames(rs []runResult) map[bench.MetricKey]int64 {
	for _, r := range rs {
		if r.err == nil && r.names != nil {
			return r.names
		}
	}
	return nil
}

func totalPoints(m map[bench.MetricKey]int64) float64 {
	var t int64
	for _, v := range m {
		t += v
	}
	return float64(max(t, 1))
}
