// Command benchdriver runs the end-to-end benchmark of otelcol-obtrace: in one
// invocation it builds (when missing) and starts the stock collector and ours
// on loopback, alternating A and B over several rounds for each pair, drives
// them with the load generator, counts what reaches the in-process sink that
// plays Obtrace ingest, measures the collector process in /proc, and prints a
// Markdown report (also written to bench/results/latest.md and between the
// markers of BENCHMARKS.md). See BENCHMARKS.md.
//
//	go run ./bench/cmd/benchdriver -ours .build/otelcol-obtrace
//
// The files, one job each: options.go (flags), binaries.go (building the
// collectors), pairs.go and durablepairs.go (the pairs and their variants),
// config.go (the generated collector configurations), shipped.go (running a
// shipped config: its overlay, environment and persistent queue),
// collector.go (the collector process), floors.go (the floor), rounds.go (a
// pair's ABBA rounds), run.go (one run), summary.go (per-run figures and
// their medians), report.go, e2ereport.go, targets.go and names.go (the
// report), benchmarksmd.go (writing it out).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

func main() {
	o := parseOptions()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	cancel()
	stopAll() // every exit path stops the collectors it started
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdriver:", err)
		os.Exit(1)
	}
}

var errInterrupted = errors.New("interrupted")

func run(ctx context.Context, o options) error {
	start := time.Now()
	cleanup, err := prepareWorkDir(&o)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := ensureBinaries(ctx, o); err != nil {
		return err
	}
	payloads, err := buildPayloads(o, false)
	if err != nil {
		return err
	}
	stamped, err := buildPayloads(o, true)
	if err != nil {
		return err
	}
	floors, err := measureFloors(ctx, payloads, o.floorTime)
	if err != nil {
		return err
	}
	var results []*pairResult
	for _, p := range selectPairs(definePairs(o, buildSteps(payloads, stamped)), o.pairs) {
		pr, err := runPair(ctx, o, p)
		if err != nil {
			return err
		}
		results = append(results, pr)
	}
	rep := report(o, results, floors, time.Since(start))
	fmt.Println(rep)
	if err := writeReport(o, rep); err != nil {
		return err
	}
	return lostItems(results)
}

// buildPayloads encodes the requests of every signal, with send-time stamps or without.
func buildPayloads(o options, stamp bool) (map[bench.Signal][]bench.Payload, error) {
	payloads := map[bench.Signal][]bench.Payload{}
	for _, sig := range bench.Signals {
		ps, err := bench.BuildPayloads(sig, bench.PayloadOptions{ItemsPerRequest: o.itemsPerRequest, Stamp: stamp})
		if err != nil {
			return nil, err
		}
		payloads[sig] = ps
	}
	return payloads, nil
}

// prepareWorkDir makes o.workDir (a temporary one when empty, removed by
// cleanup unless -keep).
func prepareWorkDir(o *options) (cleanup func(), err error) {
	if o.workDir != "" {
		return func() {}, os.MkdirAll(o.workDir, 0o755)
	}
	d, err := os.MkdirTemp("", "otelcol-bench-")
	if err != nil {
		return nil, err
	}
	o.workDir = d
	if o.keepWork {
		return func() {}, nil
	}
	return func() {
		if err := os.RemoveAll(d); err != nil {
			logf("remove the work directory: %v", err)
		}
	}, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
