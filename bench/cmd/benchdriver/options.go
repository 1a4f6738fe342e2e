package main

import (
	"flag"
	"time"
)

// options are the driver's command-line flags.
type options struct {
	stock, ours, manifest, builder, distDir string
	build                                   bool
	rounds, workers, itemsPerRequest        int
	duration, warmup, drain, floorTime      time.Duration
	pairs, out, benchmarksMD, workDir       string
	keepWork                                bool
	// the durable pairs: the shipped gateway config, and the open-loop load of durablerate
	gateway     string
	rate        float64
	rateWorkers int
	// oursOverlay is an extra --config for the shipped gateway's runs (e.g. a pprof extension)
	oursOverlay string
}

func parseOptions() options {
	var o options
	flag.StringVar(&o.stock, "stock", ".build/stock/otelcol-stock", "stock collector binary (built from -manifest when missing or older than it)")
	flag.StringVar(&o.ours, "ours", ".build/otelcol-obtrace", "otelcol-obtrace binary (built from -dist when missing)")
	flag.StringVar(&o.manifest, "manifest", "bench/stock-manifest.yaml", "ocb manifest of the stock collector")
	flag.StringVar(&o.builder, "builder", ".tools/bin/builder", "ocb binary")
	flag.StringVar(&o.distDir, "dist", "otelcol-obtrace", "generated sources of otelcol-obtrace")
	flag.BoolVar(&o.build, "build", true, "build missing binaries")
	flag.IntVar(&o.rounds, "rounds", 3, "A/B rounds per pair (order ABBA...)")
	flag.IntVar(&o.workers, "workers", 4, "concurrent load generator workers (one request in flight each)")
	flag.IntVar(&o.itemsPerRequest, "items-per-request", 100, "spans, data points or log records per request")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "measured load per run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each measurement")
	flag.DurationVar(&o.drain, "drain", 10*time.Second, "after the load, longest wait without a new delivery for accepted items to reach the sink (at most 2 min in all)")
	flag.DurationVar(&o.floorTime, "floor", 2*time.Second, "time of each floor measurement")
	flag.StringVar(&o.pairs, "pairs", defaultPairs, "pairs to run")
	flag.StringVar(&o.gateway, "gateway", "configs/gateway.yaml", "shipped durable gateway config (pairs durable*, upstreamfsync)")
	flag.Float64Var(&o.rate, "rate", 20000, "offered load of pair durablerate, items/s (open loop)")
	flag.IntVar(&o.rateWorkers, "rate-workers", 64, "senders of pair durablerate (they bound the requests in flight)")
	flag.StringVar(&o.oursOverlay, "ours-overlay", "", "extra --config merged last into the shipped gateway's runs, e.g. to enable the pprof extension for a profile")
	flag.StringVar(&o.out, "out", "bench/results/latest.md", "report file (empty: none)")
	flag.StringVar(&o.benchmarksMD, "benchmarks-md", "BENCHMARKS.md", "file whose figures section (between the bench markers) is replaced (empty: none)")
	flag.StringVar(&o.workDir, "workdir", "", "directory for configs and collector logs (default: a temporary one)")
	flag.BoolVar(&o.keepWork, "keep", false, "keep the work directory")
	flag.Parse()
	return o
}
