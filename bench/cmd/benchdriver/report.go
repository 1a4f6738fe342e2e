package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// report renders the Markdown figures: the runs, the targets, the metric
// names of the normalize pair and any failed runs.
func report(o options, results []*pairResult, floors map[string]bench.FloorResult, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Figures of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d cores, %s, %s, %s/%s. Each run: %v warm-up, %v measured load from %d workers (one request of %d items in flight each, gRPC and HTTP alternating), drain until every accepted item arrived (giving up after %v without a delivery); %d rounds per pair in ABBA order; whole benchmark %v. Values are medians with the range over the rounds in parentheses.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, o.warmup, o.duration, o.workers, o.itemsPerRequest, o.drain, o.rounds, took.Round(time.Second))
	if e2e := e2eTable(o, results); e2e != "" {
		b.WriteString("The durable pairs' own load (workers, or the open-loop rate) is in the load column of the end-to-end table.\n\n")
	}
	b.WriteString(runsTable(results, floors))
	b.WriteString(e2eTable(o, results))
	b.WriteString(targetsTable(results, floors))
	for _, pr := range results {
		if pr.def.id == "normalize" {
			b.WriteString(namesTable(pr))
		}
	}
	b.WriteString(failedRuns(results))
	return b.String()
}

// side is one variant of a pair with its runs.
type side struct {
	v  *variantDef
	rs []runResult
}

func (pr *pairResult) sides() []side { return []side{{&pr.def.a, pr.a}, {&pr.def.b, pr.b}} }

// runsTable has one row per variant and the floors.
func runsTable(results []*pairResult, floors map[string]bench.FloorResult) string {
	var b strings.Builder
	b.WriteString("| pair | variant | items/s delivered | collector CPU-s per M items | peak RSS MiB | lost | refused / unknown | wire bytes per item | load gen + sink CPU-s per M | mean request latency ms | other load on the machine, cores |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pr := range results {
		for _, s := range pr.sides() {
			b.WriteString(runsRow(pr.def.id, s))
		}
	}
	fmt.Fprintf(&b, "| floor | pdata decode+encode, all signals | | %.2f | | | | | | | |\n", floors["mix"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | … + gzip (8192-item batches), all signals | | %.2f | | | | | | | |\n", floors["mix+gzip"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | pdata decode+encode, metrics | | %.2f | | | | | | | |\n", floors["metrics"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | … + gzip (8192-item batches), metrics | | %.2f | | | | | | | |\n\n", floors["metrics+gzip"].CPUPerMillion())
	return b.String()
}

func runsRow(pairID string, s side) string {
	thr := bench.Summarize(values(s.rs, thrOf))
	cpu := bench.Summarize(values(s.rs, cpuOf))
	rss := bench.Summarize(values(s.rs, func(r runResult) float64 { return r.rssMiB }))
	oth := bench.Summarize(values(s.rs, func(r runResult) float64 { return r.otherCores }))
	lat := bench.Summarize(values(s.rs, func(r runResult) float64 { return r.latency.Seconds() * 1e3 }))
	drv := bench.Summarize(values(s.rs, func(r runResult) float64 { return r.driverCPU.Seconds() / float64(max(1, r.delivered)) * 1e6 }))
	var lost, refused, unknown, wire, items int64
	errs := 0
	for _, r := range s.rs {
		if r.err != nil {
			errs++
			continue
		}
		lost += r.lost + r.extra
		refused += r.refused
		unknown += r.unknown
		wire += r.wireBytes
		items += r.delivered
	}
	wpi := "n/a"
	if items > 0 {
		wpi = fmt.Sprintf("%.1f", float64(wire)/float64(items))
	}
	lostS := strconv.FormatInt(lost, 10)
	if errs > 0 {
		lostS += fmt.Sprintf(" (%d runs failed)", errs)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %d / %d | %s | %.2f | %s | %s |\n", pairID, s.v.label,
		fmtSpread(thr, "%.0f"), fmtSpread(cpu, "%.2f"), fmtSpread(rss, "%.0f"), lostS, refused, unknown, wpi, drv.Median, fmtSpread(lat, "%.2f"), fmtSpread(oth, "%.2f"))
}

// failedRuns lists the runs that ended in an error.
func failedRuns(results []*pairResult) string {
	var failed []string
	for _, pr := range results {
		for i, r := range append(append([]runResult{}, pr.a...), pr.b...) {
			if r.err != nil {
				failed = append(failed, fmt.Sprintf("- %s run %d: %s", pr.def.id, i+1, strings.ReplaceAll(firstLine(r.err.Error()), "|", "/")))
			}
		}
	}
	if len(failed) == 0 {
		return ""
	}
	return "Failed runs:\n\n" + strings.Join(failed, "\n") + "\n\n"
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
