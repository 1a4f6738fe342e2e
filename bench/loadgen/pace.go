package loadgen

import (
	"context"
	"time"
)

// slot is one request of an open-loop run: which payload, and when it was due.
type slot struct {
	step, payload int
	due           time.Time
}

// pace hands out the requests of an open-loop run at cfg.Rate items per
// second, in the fixed cycle of the steps, until ctx ends or MaxItems is
// reached. The schedule does not wait for answers: when every worker is busy
// a slot waits, keeps its due time, and the ones after it follow without
// pause until the schedule is caught up. Requests are stamped with their due
// time, so such waiting counts in the end-to-end latency (no coordinated
// omission).
func (r *runner) pace(ctx context.Context, slots chan<- slot) {
	defer close(slots)
	timer := time.NewTimer(0)
	defer timer.Stop()
	n := len(r.cfg.Steps)
	due := time.Now()
	for k := 0; ; k++ {
		si := k % n
		pi := (k / n) % len(r.cfg.Steps[si].Payloads)
		p := r.cfg.Steps[si].Payloads[pi]
		if !r.reserve(p) {
			return
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		select {
		case <-ctx.Done():
			return
		case slots <- slot{step: si, payload: pi, due: due}:
		}
		due = due.Add(time.Duration(float64(p.Items) / r.cfg.Rate * float64(time.Second)))
	}
}

// openLoop sends the slots it is handed until the pacer closes them.
func (r *runner) openLoop(bodies [][][]byte, slots <-chan slot) {
	for s := range slots {
		r.send(bodies, s.step, s.payload, s.due)
	}
}
