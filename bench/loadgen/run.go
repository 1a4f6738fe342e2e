package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obtraceai/otelcol-obtrace/bench"
)

// Run sends load until ctx ends, Duration passes or MaxItems items were sent.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg, err := cfg.checked()
	if err != nil {
		return Result{}, err
	}
	c := &client{timeout: cfg.Timeout, token: cfg.BearerToken}
	if err := c.dial(cfg.GRPCAddr, cfg.HTTPAddr, cfg.Workers); err != nil {
		return Result{}, err
	}
	defer c.close()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	r := &runner{cfg: cfg, c: c}
	var slots chan slot
	if cfg.Rate > 0 {
		slots = make(chan slot, cfg.Workers)
		go r.pace(ctx, slots)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			bodies := ownBodies(cfg.Steps)
			if slots != nil {
				r.openLoop(bodies, slots)
			} else {
				r.closedLoop(ctx, bodies, w)
			}
		}(w)
	}
	wg.Wait()
	return r.result(time.Since(start)), nil
}

// checked applies the defaults and refuses configurations that cannot run.
func (cfg Config) checked() (Config, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Duration <= 0 && cfg.MaxItems <= 0 {
		return cfg, errors.New("loadgen: set Duration or MaxItems")
	}
	if len(cfg.Steps) == 0 {
		return cfg, errors.New("loadgen: no steps")
	}
	for _, st := range cfg.Steps {
		if len(st.Payloads) == 0 {
			return cfg, errors.New("loadgen: a step has no payloads")
		}
		addr := cfg.HTTPAddr
		if st.Protocol == GRPC {
			addr = cfg.GRPCAddr
		}
		if err := checkLoopback(addr); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// runner is one Run's shared state: the counters every worker adds to.
type runner struct {
	cfg      Config
	c        *client
	reserved atomic.Int64
	acc      [3]atomic.Int64
	ref, unk atomic.Int64
	reqs     atomic.Int64
	latency  atomic.Int64
	mu       sync.Mutex
	firstErr string
}

// reserve counts p against MaxItems; false when the run has sent enough.
func (r *runner) reserve(p bench.Payload) bool {
	return r.cfg.MaxItems <= 0 || r.reserved.Add(int64(p.Items)) <= r.cfg.MaxItems
}

// ownBodies gives a worker its own copy of every stamped payload body (the
// stamp is written in place before each send); unstamped bodies are shared.
func ownBodies(steps []Step) [][][]byte {
	out := make([][][]byte, len(steps))
	for i, st := range steps {
		out[i] = make([][]byte, len(st.Payloads))
		for j, p := range st.Payloads {
			out[i][j] = p.Body
			if p.StampAt > 0 {
				out[i][j] = slices.Clone(p.Body)
			}
		}
	}
	return out
}

// closedLoop sends the worker's cycle, one request in flight, until ctx ends.
func (r *runner) closedLoop(ctx context.Context, bodies [][][]byte, w int) {
	n := len(r.cfg.Steps)
	for i := 0; ctx.Err() == nil; i++ {
		si := (w + i) % n
		pi := (w + i/n) % len(r.cfg.Steps[si].Payloads)
		if !r.reserve(r.cfg.Steps[si].Payloads[pi]) {
			return
		}
		r.send(bodies, si, pi, time.Now())
	}
}

// send sends payload pi of step si stamped with sent and counts the outcome.
// The request is not bound to the run's ctx: once sent it runs to its answer
// (or Timeout), so that the end of the run does not turn requests the
// collector took into "unknown".
func (r *runner) send(bodies [][][]byte, si, pi int, sent time.Time) {
	st := r.cfg.Steps[si]
	p, body := st.Payloads[pi], bodies[si][pi]
	p.PutStamp(body, sent)
	t0 := time.Now()
	out, rejected, err := r.c.send(st.Protocol, p.Signal, body)
	r.latency.Add(int64(time.Since(t0)))
	r.reqs.Add(1)
	switch out {
	case accepted:
		r.acc[p.Signal].Add(int64(p.Items) - rejected)
		r.ref.Add(rejected)
	case refused:
		r.ref.Add(int64(p.Items))
	case unknown:
		r.unk.Add(int64(p.Items))
	}
	if err != nil {
		r.mu.Lock()
		if r.firstErr == "" {
			r.firstErr = fmt.Sprintf("%s %s: %v", st.Protocol, p.Signal, err)
		}
		r.mu.Unlock()
	}
}

func (r *runner) result(elapsed time.Duration) Result {
	res := Result{Elapsed: elapsed, FirstError: r.firstErr}
	for i := range r.acc {
		res.AcceptedBySignal[i] = r.acc[i].Load()
		res.Accepted += res.AcceptedBySignal[i]
	}
	res.Refused, res.Unknown, res.Requests = r.ref.Load(), r.unk.Load(), r.reqs.Load()
	if res.Requests > 0 {
		res.MeanLatency = time.Duration(r.latency.Load() / res.Requests)
	}
	return res
}
