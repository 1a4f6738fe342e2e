package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
	"github.com/obtraceai/otelcol-obtrace/bench/loadgen"
)

// runResult is what one run of one variant measured.
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
	// e2e variants: end-to-end latencies of the measured requests, and the
	// items delivered by signal
	e2e      bench.LatencySnapshot
	bySignal [3]int64
}

// liveRun is a started run: its sink, its collector and the load aimed at it.
type liveRun struct {
	sink       *bench.Sink
	c          *collector
	lcfg       loadgen.Config
	storageDir string
}

// runOne starts a fresh sink and collector, warms up, measures, and stops both.
func runOne(ctx context.Context, o options, v *variantDef, name string) runResult {
	sink := bench.NewSink(benchAPIKey)
	if err := sink.Start(); err != nil {
		return runResult{err: err}
	}
	defer func() {
		if err := sink.Close(); err != nil {
			logf("%s: stop the sink: %v", name, err)
		}
	}()
	lr, err := startRun(ctx, o, v, name, sink)
	if lr.storageDir != "" && !o.keepWork {
		defer func() { // deferred first, so it runs after the collector stopped
			if err := os.RemoveAll(lr.storageDir); err != nil {
				logf("%s: remove the storage directory: %v", name, err)
			}
		}()
	}
	if lr.c != nil {
		defer lr.c.stop(5 * time.Second)
	}
	if err != nil {
		return runResult{err: err}
	}
	if err := lr.warmUp(ctx, o); err != nil {
		return runResult{err: err}
	}
	return lr.measure(ctx, o, v)
}

// startRun writes the run's config and starts the collector on fresh loopback ports.
func startRun(ctx context.Context, o options, v *variantDef, name string, sink *bench.Sink) (liveRun, error) {
	lr := liveRun{sink: sink}
	pp, err := freePorts(4)
	if err != nil {
		return lr, err
	}
	p := ports{grpc: pp[0], http: pp[1], health: pp[2], metrics: pp[3]}
	rc, err := prepareConfig(o, v, name, p, sink.URL())
	lr.storageDir = rc.storageDir
	if err != nil {
		return lr, err
	}
	if lr.c, err = startCollector(v.bin, rc.args, rc.env, filepath.Join(o.workDir, name+".log")); err != nil {
		return lr, err
	}
	if err := lr.c.waitReady(ctx, p.health, 30*time.Second); err != nil {
		return lr, err
	}
	lr.lcfg = loadgen.Config{
		GRPCAddr: fmt.Sprintf("127.0.0.1:%d", p.grpc),
		HTTPAddr: fmt.Sprintf("127.0.0.1:%d", p.http),
		Steps:    v.steps,
		Workers:  o.workers,
		Rate:     v.rate,
	}
	if v.workers > 0 {
		lr.lcfg.Workers = v.workers
	}
	if v.e2e {
		lr.lcfg.BearerToken = receiverToken
	}
	return lr, nil
}

// warmUp sends unmeasured load, drained and checked like the measurement.
func (lr *liveRun) warmUp(ctx context.Context, o options) error {
	if o.warmup <= 0 {
		return nil
	}
	lr.lcfg.Duration = o.warmup
	wres, err := loadgen.Run(ctx, lr.lcfg)
	if err != nil {
		return err
	}
	if got := drain(ctx, lr.sink, 0, wres.Accepted, o.drain); got < wres.Accepted {
		return fmt.Errorf("warm-up: %d accepted, %d delivered (%s)\n%s", wres.Accepted, got, wres.FirstError, lr.c.logTail(10))
	}
	return nil
}

// measure sends the measured load, waits for the sink to receive what was
// accepted, and reads the collector's CPU and memory.
func (lr *liveRun) measure(ctx context.Context, o options, v *variantDef) runResult {
	lr.sink.RecordMetricNames(v.recordNames)
	lr.sink.RecordLatency(v.e2e) // the warm-up's requests were all delivered before this
	s0 := lr.sink.Stats()
	cpu0, err := bench.ProcCPU(lr.c.pid())
	if err != nil {
		return runResult{err: err}
	}
	self0 := selfCPU()
	busy0, _ := bench.MachineBusy()
	t0 := time.Now()

	lr.lcfg.Duration = o.duration
	res, err := loadgen.Run(ctx, lr.lcfg)
	if err != nil {
		return runResult{err: err}
	}
	delivered := drain(ctx, lr.sink, s0.Total(), res.Accepted, o.drain)
	if lr.c.exited() {
		return runResult{err: fmt.Errorf("collector exited during the run:\n%s", lr.c.logTail(15))}
	}
	cpu1, err := bench.ProcCPU(lr.c.pid())
	if err != nil {
		return runResult{err: err}
	}
	busy1, _ := bench.MachineBusy()
	wall := time.Since(t0)
	hwm, err := bench.ProcPeakRSS(lr.c.pid())
	if err != nil {
		return runResult{err: err}
	}
	s1 := lr.sink.Stats()
	rr := runResult{
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
		rr.names = lr.sink.MetricNames()
	}
	if v.e2e {
		rr.e2e = lr.sink.Latency()
		for i := range rr.bySignal {
			rr.bySignal[i] = s1.Items[i] - s0.Items[i]
		}
	}
	rr.settle(res, s1.LastDelivery, t0)
	if res.Accepted == 0 {
		rr.err = fmt.Errorf("nothing accepted (%s)\n%s", res.FirstError, lr.c.logTail(10))
	}
	return rr
}

// settle derives lost (or extra) items, the measured time and the per-item
// figures from the counts.
func (rr *runResult) settle(res loadgen.Result, lastDelivery, t0 time.Time) {
	if d := rr.delivered - res.Accepted; d > 0 {
		// more than accepted: items the collector answered late (unknown) or sent twice
		rr.extra = max(0, d-res.Unknown)
	} else {
		rr.lost = -d
	}
	end := lastDelivery
	if end.Before(t0) {
		end = time.Now()
	}
	rr.measuredTime = end.Sub(t0)
	if rr.delivered > 0 {
		rr.throughput = float64(rr.delivered) / rr.measuredTime.Seconds()
		rr.cpuPerM = rr.collectorCPU.Seconds() / float64(rr.delivered) * 1e6
	}
}

// drainCap bounds a drain that keeps making progress (a persistent queue
// that accepted faster than it delivers empties at its own pace).
const drainCap = 2 * time.Minute

// drain waits until the sink has received at least want items beyond base
// (then a little longer, to catch duplicates), or until idle passes without a
// new delivery, or drainCap, and returns the items received beyond base.
func drain(ctx context.Context, sink *bench.Sink, base, want int64, idle time.Duration) int64 {
	limit := time.Now().Add(drainCap)
	last, lastChange := sink.Stats().Total(), time.Now()
	for ctx.Err() == nil && time.Now().Before(limit) {
		cur := sink.Stats().Total()
		if cur-base >= want {
			time.Sleep(300 * time.Millisecond)
			break
		}
		if cur != last {
			last, lastChange = cur, time.Now()
		} else if time.Since(lastChange) > idle {
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
