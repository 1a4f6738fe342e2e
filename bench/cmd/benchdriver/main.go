// Command benchdriver runs the end-to-end benchmark of otelcol-obtrace: in one
// invocation it builds (when missing) and starts the stock collector and ours
// on loopback, alternating A and B over several rounds for each pair, drives
// them with the load generator, counts what reaches the in-process sink that
// plays Obtrace ingest, measures the collector process in /proc, and prints a
// Markdown report (also written to bench/results/latest.md and between the
// markers of BENCHMARKS.md). See BENCHMARKS.md.
//
//	go run ./bench/cmd/benchdriver -ours .build/otelcol-obtrace
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
	"github.com/obtraceai/otelcol-obtrace/bench/loadgen"
)

type options struct {
	stock, ours, manifest, builder, distDir string
	build                                   bool
	rounds, workers, itemsPerRequest        int
	duration, warmup, drain, floorTime      time.Duration
	pairs, out, benchmarksMD, workDir       string
	keepWork                                bool
}

func main() {
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
	flag.DurationVar(&o.drain, "drain", 10*time.Second, "longest wait for accepted items to reach the sink")
	flag.DurationVar(&o.floorTime, "floor", 2*time.Second, "time of each floor measurement")
	flag.StringVar(&o.pairs, "pairs", "obtrace,warn,normalize", "pairs to run")
	flag.StringVar(&o.out, "out", "bench/results/latest.md", "report file (empty: none)")
	flag.StringVar(&o.benchmarksMD, "benchmarks-md", "BENCHMARKS.md", "file whose figures section (between the bench markers) is replaced (empty: none)")
	flag.StringVar(&o.workDir, "workdir", "", "directory for configs and collector logs (default: a temporary one)")
	flag.BoolVar(&o.keepWork, "keep", false, "keep the work directory")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	cancel()
	stopAll() // every exit path stops the collectors it started
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdriver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	if o.workDir == "" {
		d, err := os.MkdirTemp("", "otelcol-bench-")
		if err != nil {
			return err
		}
		o.workDir = d
		if !o.keepWork {
			defer os.RemoveAll(d)
		}
	} else if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return err
	}
	if err := ensureBinaries(ctx, o); err != nil {
		return err
	}

	payloads := map[bench.Signal][]bench.Payload{}
	for _, sig := range bench.Signals {
		ps, err := bench.BuildPayloads(sig, bench.PayloadOptions{ItemsPerRequest: o.itemsPerRequest})
		if err != nil {
			return err
		}
		payloads[sig] = ps
	}
	allSteps := []loadgen.Step{}
	metricSteps := []loadgen.Step{}
	for _, proto := range []loadgen.Protocol{loadgen.GRPC, loadgen.HTTP} {
		for _, sig := range bench.Signals {
			allSteps = append(allSteps, loadgen.Step{Protocol: proto, Payloads: payloads[sig]})
		}
		metricSteps = append(metricSteps, loadgen.Step{Protocol: proto, Payloads: payloads[bench.Metrics]})
	}

	// The floor, measured first while nothing else runs in this process.
	logf("floor: pdata decode+encode of the same payloads (%v each)", o.floorTime)
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
			return errInterrupted
		}
		r, err := bench.MeasureFloor(f.ps, f.gz, o.floorTime)
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		floors[f.name] = r
		logf("  %-13s %.2f CPU-s per million items", f.name, r.CPUPerMillion())
	}

	all := []string{"traces", "metrics", "logs"}
	metricsOnly := []string{"metrics"}
	pairs := []pairDef{
		{id: "obtrace", title: "stock `otlp → batch → otlp_http` vs ours `otlp → batch → obtrace` (traces, metrics, logs)",
			floor: "mix",
			a:     variantDef{label: "stock otlp_http", bin: o.stock, steps: allSteps, spec: pipelineSpec{exporter: exporterStock, signals: all}},
			b:     variantDef{label: "ours obtrace", bin: o.ours, steps: allSteps, spec: pipelineSpec{exporter: exporterObtrace, signals: all}}},
		{id: "warn", title: "pass-through vs `semanticmetrics` warn (metrics only, otelcol-obtrace)",
			floor: "metrics",
			a:     variantDef{label: "pass-through", bin: o.ours, steps: metricSteps, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly}},
			b:     variantDef{label: "semanticmetrics warn", bin: o.ours, steps: metricSteps, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: semanticWarn, chain: []string{"semanticmetrics"}}}},
		{id: "normalize", title: "`transform` (OTTL equivalent) vs `semanticmetrics` normalize (metrics only, otelcol-obtrace)",
			floor: "metrics",
			a:     variantDef{label: "transform (OTTL)", bin: o.ours, steps: metricSteps, recordNames: true, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: transformEquivalent, chain: []string{"transform"}}},
			b:     variantDef{label: "semanticmetrics normalize", bin: o.ours, steps: metricSteps, recordNames: true, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: semanticNormalize, chain: []string{"semanticmetrics"}}}},
	}
	want := map[string]bool{}
	for _, p := range strings.Split(o.pairs, ",") {
		want[strings.TrimSpace(p)] = true
	}
	var results []*pairResult
	for i := range pairs {
		p := &pairs[i]
		if !want[p.id] {
			continue
		}
		pr := &pairResult{def: p}
		results = append(results, pr)
		for r := 0; r < o.rounds; r++ {
			order := []*variantDef{&p.a, &p.b}
			if r%2 == 1 {
				order = []*variantDef{&p.b, &p.a}
			}
			for _, v := range order {
				if ctx.Err() != nil {
					return errInterrupted
				}
				name := fmt.Sprintf("%s-r%d-%s", p.id, r+1, strings.ReplaceAll(strings.Fields(v.label)[0], "-", ""))
				if v == &p.b {
					name += "-B"
				} else {
					name += "-A"
				}
				rr := runOne(ctx, o, v, name)
				if rr.err != nil {
					logf("  %s: %s: ERROR %v", p.id, v.label, rr.err)
				} else {
					logf("  %s r%d %-26s %9.0f items/s  %6.2f CPU-s/M  %4.0f MiB  %5.2f ms/request  other load %.2f cores  accepted %d delivered %d lost %d refused %d unknown %d",
						p.id, r+1, v.label, rr.throughput, rr.cpuPerM, rr.rssMiB, rr.latency.Seconds()*1e3, rr.otherCores, rr.accepted, rr.delivered, rr.lost, rr.refused, rr.unknown)
				}
				if v == &p.a {
					pr.a = append(pr.a, rr)
				} else {
					pr.b = append(pr.b, rr)
				}
			}
		}
	}
	rep := report(o, results, floors, time.Since(start))
	fmt.Println(rep)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(rep), 0o644); err != nil {
			return err
		}
		logf("report written to %s", o.out)
	}
	if o.benchmarksMD != "" {
		if err := replaceFigures(o.benchmarksMD, rep); err != nil {
			logf("BENCHMARKS.md not updated: %v", err)
		} else {
			logf("figures section of %s updated", o.benchmarksMD)
		}
	}
	for _, pr := range results {
		for _, rr := range append(append([]runResult{}, pr.a...), pr.b...) {
			if rr.err == nil && rr.lost != 0 {
				return fmt.Errorf("%s: items lost (accepted by the collector, never delivered): see the report", pr.def.id)
			}
		}
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// ---- binaries ------------------------------------------------------------------------------------

func ensureBinaries(ctx context.Context, o options) error {
	if need, why := stale(o.stock, o.manifest); need {
		if !o.build {
			return fmt.Errorf("stock collector %s: %s (run without -build=false)", o.stock, why)
		}
		logf("building the stock collector (%s) from %s", why, o.manifest)
		if err := buildStock(ctx, o); err != nil {
			return err
		}
	}
	if _, err := os.Stat(o.ours); err != nil {
		if !o.build {
			return fmt.Errorf("otelcol-obtrace binary %s: %w", o.ours, err)
		}
		logf("building otelcol-obtrace into %s", o.ours)
		abs, err := filepath.Abs(o.ours)
		if err != nil {
			return err
		}
		if err := goBuild(ctx, o.distDir, abs); err != nil {
			return err
		}
	}
	return nil
}

// stale reports whether bin must be built: missing, or older than manifest.
func stale(bin, manifest string) (bool, string) {
	bi, err := os.Stat(bin)
	if err != nil {
		return true, "missing"
	}
	if mi, err := os.Stat(manifest); err == nil && mi.ModTime().After(bi.ModTime()) {
		return true, "older than the manifest"
	}
	return false, ""
}

func buildStock(ctx context.Context, o options) error {
	cmd := exec.CommandContext(ctx, o.builder, "--config", o.manifest, "--skip-compilation")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ocb: %w", err)
	}
	abs, err := filepath.Abs(o.stock)
	if err != nil {
		return err
	}
	// output_path of the manifest is .build/stock; the binary is compiled
	// exactly as otelcol-obtrace is (see the Makefile).
	return goBuild(ctx, filepath.Join(".build", "stock"), abs)
}

func goBuild(ctx context.Context, dir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build in %s: %w", dir, err)
	}
	return nil
}

// ---- one run -------------------------------------------------------------------------------------

type variantDef struct {
	label       string
	bin         string
	steps       []loadgen.Step
	spec        pipelineSpec
	recordNames bool
}

type pairDef struct {
	id, title string
	floor     string
	a, b      variantDef
}

type runResult struct {
	err                                   error
	throughput, cpuPerM, rssMiB           float64
	accepted, delivered, lost, extra      int64
	refused, unknown, unauthorized        int64
	wireBytes, rawBytes                   int64
	driverCPU, collectorCPU, measuredTime time.Duration
	latency                               time.Duration
	// otherCores is the CPU the rest of the machine (not the collector, not
	// the driver) used during the measurement, in cores.
	otherCores float64
	names      map[bench.MetricKey]int64
}

type pairResult struct {
	def  *pairDef
	a, b []runResult
}

func runOne(ctx context.Context, o options, v *variantDef, name string) (rr runResult) {
	sink := bench.NewSink(benchAPIKey)
	if err := sink.Start(); err != nil {
		return runResult{err: err}
	}
	defer sink.Close()
	pp, err := freePorts(3)
	if err != nil {
		return runResult{err: err}
	}
	p := ports{grpc: pp[0], http: pp[1], health: pp[2]}
	cfgPath := filepath.Join(o.workDir, name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(renderConfig(v.spec, p, sink.URL())), 0o644); err != nil {
		return runResult{err: err}
	}
	c, err := startCollector(v.bin, cfgPath, filepath.Join(o.workDir, name+".log"))
	if err != nil {
		return runResult{err: err}
	}
	defer c.stop(5 * time.Second)
	if err := c.waitReady(ctx, p.health, 30*time.Second); err != nil {
		return runResult{err: err}
	}
	lcfg := loadgen.Config{
		GRPCAddr: fmt.Sprintf("127.0.0.1:%d", p.grpc),
		HTTPAddr: fmt.Sprintf("127.0.0.1:%d", p.http),
		Steps:    v.steps,
		Workers:  o.workers,
	}

	// warm-up, drained and checked like the measurement
	if o.warmup > 0 {
		lcfg.Duration = o.warmup
		wres, err := loadgen.Run(ctx, lcfg)
		if err != nil {
			return runResult{err: err}
		}
		if got := drain(ctx, sink, 0, wres.Accepted, o.drain); got < wres.Accepted {
			return runResult{err: fmt.Errorf("warm-up: %d accepted, %d delivered (%s)\n%s", wres.Accepted, got, wres.FirstError, c.logTail(10))}
		}
	}
	sink.RecordMetricNames(v.recordNames)
	s0 := sink.Stats()
	cpu0, err := bench.ProcCPU(c.pid())
	if err != nil {
		return runResult{err: err}
	}
	self0 := selfCPU()
	busy0, _ := bench.MachineBusy()
	t0 := time.Now()

	lcfg.Duration = o.duration
	res, err := loadgen.Run(ctx, lcfg)
	if err != nil {
		return runResult{err: err}
	}
	delivered := drain(ctx, sink, s0.Total(), res.Accepted, o.drain)
	if c.exited() {
		return runResult{err: fmt.Errorf("collector exited during the run:\n%s", c.logTail(15))}
	}
	cpu1, err := bench.ProcCPU(c.pid())
	if err != nil {
		return runResult{err: err}
	}
	busy1, _ := bench.MachineBusy()
	wall := time.Since(t0)
	hwm, err := bench.ProcPeakRSS(c.pid())
	if err != nil {
		return runResult{err: err}
	}
	s1 := sink.Stats()
	rr = runResult{
		accepted:     res.Accepted,
		delivered:    delivered,
		refused:      res.Refused,
		unknown:      res.Unknown,
		unauthorized: s1.Unauthorized,
		wireBytes:    s1.WireBytes - s0.WireBytes,
		rawBytes:     s1.RawBytes - s0.RawBytes,
		collectorCPU: cpu1 - cpu0,
		driverCPU:    selfCPU() - self0,
		rssMiB:       float64(hwm) / (1 << 20),
		latency:      res.MeanLatency,
	}
	rr.otherCores = max(0, (busy1-busy0-rr.collectorCPU-rr.driverCPU).Seconds()/wall.Seconds())
	if v.recordNames {
		rr.names = sink.MetricNames()
	}
	if d := delivered - res.Accepted; d > 0 {
		// more than accepted: items the collector answered late (unknown) or sent twice
		rr.extra = max(0, d-res.Unknown)
	} else {
		rr.lost = -d
	}
	end := s1.LastDelivery
	if end.Before(t0) {
		end = time.Now()
	}
	rr.measuredTime = end.Sub(t0)
	if delivered > 0 {
		rr.throughput = float64(delivered) / rr.measuredTime.Seconds()
		rr.cpuPerM = rr.collectorCPU.Seconds() / float64(delivered) * 1e6
	}
	if res.Accepted == 0 {
		rr.err = fmt.Errorf("nothing accepted (%s)\n%s", res.FirstError, c.logTail(10))
	}
	return rr
}

// drain waits until the sink has received at least want items beyond base
// (then a little longer, to catch duplicates) or timeout passes, and returns
// the items received beyond base.
func drain(ctx context.Context, sink *bench.Sink, base, want int64, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if sink.Stats().Total()-base >= want {
			time.Sleep(300 * time.Millisecond)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return sink.Stats().Total() - base
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ---- report --------------------------------------------------------------------------------------

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

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

func fmtSpread(s bench.Spread, format string) string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", s.Median, s.Min, s.Max)
}

func yesNo(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func report(o options, results []*pairResult, floors map[string]bench.FloorResult, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Figures of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d cores, %s, %s, %s/%s. Each run: %v warm-up, %v measured load from %d workers (one request of %d items in flight each, gRPC and HTTP alternating), drain up to %v; %d rounds per pair in ABBA order; whole benchmark %v. Values are medians with the range over the rounds in parentheses.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, o.warmup, o.duration, o.workers, o.itemsPerRequest, o.drain, o.rounds, took.Round(time.Second))

	b.WriteString("| pair | variant | items/s delivered | collector CPU-s per M items | peak RSS MiB | lost | refused / unknown | wire bytes per item | load gen + sink CPU-s per M | mean request latency ms | other load on the machine, cores |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pr := range results {
		for _, side := range []struct {
			v  *variantDef
			rs []runResult
		}{{&pr.def.a, pr.a}, {&pr.def.b, pr.b}} {
			thr := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.throughput }))
			cpu := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.cpuPerM }))
			rss := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.rssMiB }))
			oth := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.otherCores }))
			lat := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.latency.Seconds() * 1e3 }))
			drv := bench.Summarize(values(side.rs, func(r runResult) float64 { return r.driverCPU.Seconds() / float64(max(1, r.delivered)) * 1e6 }))
			var lost, refused, unknown, wire, items int64
			errs := 0
			for _, r := range side.rs {
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
			lostS := fmt.Sprint(lost)
			if errs > 0 {
				lostS += fmt.Sprintf(" (%d runs failed)", errs)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d / %d | %s | %.2f | %s | %s |\n", pr.def.id, side.v.label,
				fmtSpread(thr, "%.0f"), fmtSpread(cpu, "%.2f"), fmtSpread(rss, "%.0f"), lostS, refused, unknown, wpi, drv.Median, fmtSpread(lat, "%.2f"), fmtSpread(oth, "%.2f"))
		}
	}
	fmt.Fprintf(&b, "| floor | pdata decode+encode, all signals | | %.2f | | | | | | | |\n", floors["mix"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | … + gzip (8192-item batches), all signals | | %.2f | | | | | | | |\n", floors["mix+gzip"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | pdata decode+encode, metrics | | %.2f | | | | | | | |\n", floors["metrics"].CPUPerMillion())
	fmt.Fprintf(&b, "| floor | … + gzip (8192-item batches), metrics | | %.2f | | | | | | | |\n\n", floors["metrics+gzip"].CPUPerMillion())

	// ratios and targets
	b.WriteString("| target | measure | value: median (range over rounds) | result |\n|---|---|---:|---|\n")
	byID := map[string]*pairResult{}
	for _, pr := range results {
		byID[pr.def.id] = pr
	}
	thrOf := func(r runResult) float64 { return r.throughput }
	cpuOf := func(r runResult) float64 { return r.cpuPerM }
	effOf := func(r runResult) float64 { // items per CPU-second
		if r.cpuPerM == 0 {
			return math.NaN()
		}
		return 1e6 / r.cpuPerM
	}
	if pr := byID["obtrace"]; pr != nil {
		thr := bench.Summarize(bench.Ratios(values(pr.b, thrOf), values(pr.a, thrOf)))
		eff := bench.Summarize(bench.Ratios(values(pr.b, effOf), values(pr.a, effOf)))
		fmt.Fprintf(&b, "| obtrace ≥ 0.97× stock throughput | items/s ours ÷ stock | %s | %s |\n", fmtSpread(thr, "%.3f"), yesNo(thr.N > 0 && thr.Median >= 0.97))
		fmt.Fprintf(&b, "| … at equal CPU | items per CPU-second ours ÷ stock | %s | %s |\n", fmtSpread(eff, "%.3f"), yesNo(eff.N > 0 && eff.Median >= 0.97))
	}
	var passCPU bench.Spread
	if pr := byID["warn"]; pr != nil {
		passCPU = bench.Summarize(values(pr.a, cpuOf))
		r := bench.Summarize(bench.Ratios(values(pr.b, cpuOf), values(pr.a, cpuOf)))
		over := bench.Spread{Median: (r.Median - 1) * 100, Min: (r.Min - 1) * 100, Max: (r.Max - 1) * 100, N: r.N}
		fmt.Fprintf(&b, "| semanticmetrics warn ≤ 5%% CPU per data point | CPU per data point, warn ÷ pass-through − 1 | %s | %s |\n", fmtSpread(over, "%+.1f%%"), yesNo(r.N > 0 && r.Median <= 1.05))
	}
	if pr := byID["normalize"]; pr != nil {
		whole := bench.Summarize(bench.Ratios(values(pr.a, cpuOf), values(pr.b, cpuOf)))
		fmt.Fprintf(&b, "| (context) | whole-pipeline CPU per data point, transform ÷ normalize | %s | |\n", fmtSpread(whole, "%.3f"))
		if passCPU.N > 0 {
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
			fmt.Fprintf(&b, "| normalize ≥ 2× faster than transform | processor CPU per data point (median minus pass-through median), transform ÷ normalize | %s | %s |\n", val, yesNo(ok))
		} else {
			fmt.Fprintf(&b, "| normalize ≥ 2× faster than transform | needs the warn pair's pass-through | n/a | not measured |\n")
		}
	}
	for _, pr := range results {
		f := floors[pr.def.floor].CPUPerMillion()
		fg := floors[pr.def.floor+"+gzip"].CPUPerMillion()
		for _, side := range []struct {
			v  *variantDef
			rs []runResult
		}{{&pr.def.a, pr.a}, {&pr.def.b, pr.b}} {
			if pr.def.id != "obtrace" && side.v.label != "pass-through" {
				continue
			}
			c := bench.Summarize(values(side.rs, cpuOf))
			if c.N == 0 || f == 0 {
				continue
			}
			fmt.Fprintf(&b, "| pipeline CPU per item within 3× of the floor | %s: CPU per item ÷ floor (÷ floor with gzip) | %.2f× (%.2f×) | %s |\n", side.v.label, c.Median/f, c.Median/fg, yesNo(c.Median/f <= 3))
		}
	}
	b.WriteString("\n")

	if pr := byID["normalize"]; pr != nil {
		b.WriteString(namesTable(pr))
	}
	var failed []string
	for _, pr := range results {
		for i, r := range append(append([]runResult{}, pr.a...), pr.b...) {
			if r.err != nil {
				failed = append(failed, fmt.Sprintf("- %s run %d: %s", pr.def.id, i+1, strings.ReplaceAll(firstLine(r.err.Error()), "|", "/")))
			}
		}
	}
	if len(failed) > 0 {
		b.WriteString("Failed runs:\n\n" + strings.Join(failed, "\n") + "\n\n")
	}
	return b.String()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// namesTable shows what each variant of the normalize pair delivered, so the
// two are seen to do the same renames.
func namesTable(pr *pairResult) string {
	get := func(rs []runResult) map[bench.MetricKey]int64 {
		for _, r := range rs {
			if r.err == nil && r.names != nil {
				return r.names
			}
		}
		return nil
	}
	a, bn := get(pr.a), get(pr.b)
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
	total := func(m map[bench.MetricKey]int64) float64 {
		var t int64
		for _, v := range m {
			t += v
		}
		return float64(max(t, 1))
	}
	ta, tb := total(a), total(bn)
	b.WriteString("Metrics delivered to the sink in one round of the normalize pair (share of the data points):\n\n")
	b.WriteString("| metric | unit | transform (OTTL) | semanticmetrics normalize |\n|---|---|---:|---:|\n")
	for _, k := range sorted {
		fmt.Fprintf(&b, "| `%s` | `%s` | %.1f%% | %.1f%% |\n", k.Name, k.Unit, 100*float64(a[k])/ta, 100*float64(bn[k])/tb)
	}
	b.WriteString("\n")
	return b.String()
}

const (
	beginMarker = "<!-- BEGIN bench figures (written by bench/cmd/benchdriver) -->"
	endMarker   = "<!-- END bench figures -->"
)

// replaceFigures replaces the text between the markers of path with rep.
func replaceFigures(path, rep string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, beginMarker)
	j := strings.Index(s, endMarker)
	if i < 0 || j < i {
		return errors.New("markers not found")
	}
	s = s[:i+len(beginMarker)] + "\n\n" + rep + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
