package main

import (
	"context"
	"fmt"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// measureFloors measures the decode+encode floor (with and without gzip) of
// the whole mix ("mix") and of the metrics alone ("metrics"); it runs first,
// while nothing else runs in this process.
func measureFloors(ctx context.Context, payloads map[bench.Signal][]bench.Payload, each time.Duration) (map[string]bench.FloorResult, error) {
	logf("floor: pdata decode+encode of the same payloads (%v each)", each)
	var allPayloads []bench.Payload
	for _, sig := range bench.Signals {
		allPayloads = append(allPayloads, payloads[sig]...)
	}
	floors := map[string]bench.FloorResult{}
	for _, f := range []struct {
		name string
		ps   []bench.Payload
		gz   bool
	}{{"mix", allPayloads, false}, {"mix+gzip", allPayloads, true}, {"metrics", payloads[bench.Metrics], false}, {"metrics+gzip", payloads[bench.Metrics], true}} {
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		r, err := bench.MeasureFloor(f.ps, f.gz, each)
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		floors[f.name] = r
		logf("  %-13s %.2f CPU-s per million items", f.name, r.CPUPerMillion())
	}
	return floors, nil
}
