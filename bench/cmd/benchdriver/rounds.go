package main

import (
	"context"
	"fmt"
	"strings"
)

// pairResult holds the runs of a pair's A and B sides, round by round.
type pairResult struct {
	def  *pairDef
	a, b []runResult
}

// runPair runs A and B alternately for o.rounds rounds in ABBA order.
func runPair(ctx context.Context, o options, p *pairDef) (*pairResult, error) {
	pr := &pairResult{def: p}
	for r := 0; r < o.rounds; r++ {
		order := []*variantDef{&p.a, &p.b}
		if r%2 == 1 {
			order = []*variantDef{&p.b, &p.a}
		}
		for _, v := range order {
			if ctx.Err() != nil {
				return pr, errInterrupted
			}
			rr := runOne(ctx, o, v, runName(p, v, r))
			logRun(p, v, r, rr)
			if v == &p.a {
				pr.a = append(pr.a, rr)
			} else {
				pr.b = append(pr.b, rr)
			}
		}
	}
	return pr, nil
}

// runName names a run's config and log files, e.g. obtrace-r1-stock-A.
func runName(p *pairDef, v *variantDef, round int) string {
	name := fmt.Sprintf("%s-r%d-%s", p.id, round+1, strings.ReplaceAll(strings.Fields(v.label)[0], "-", ""))
	if v == &p.b {
		return name + "-B"
	}
	return name + "-A"
}

func logRun(p *pairDef, v *variantDef, round int, rr runResult) {
	if rr.err != nil {
		logf("  %s: %s: ERROR %v", p.id, v.label, rr.err)
		return
	}
	logf("  %s r%d %-26s %9.0f items/s  %6.2f CPU-s/M  %4.0f MiB  %5.2f ms/request  other load %.2f cores  accepted %d delivered %d lost %d refused %d unknown %d",
		p.id, round+1, v.label, rr.throughput, rr.cpuPerM, rr.rssMiB, rr.latency.Seconds()*1e3, rr.otherCores, rr.accepted, rr.delivered, rr.lost, rr.refused, rr.unknown)
}

// lostItems returns an error naming the first pair that lost accepted items.
func lostItems(results []*pairResult) error {
	for _, pr := range results {
		for _, rr := range append(append([]runResult{}, pr.a...), pr.b...) {
			if rr.err == nil && rr.lost != 0 {
				return fmt.Errorf("%s: items lost (accepted by the collector, never delivered): see the report", pr.def.id)
			}
		}
	}
	return nil
}
