package bench

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The floor is the work no OTLP-in, OTLP-out pipeline can avoid: decoding each
// request into pdata and encoding it again. FloorWork does exactly that once
// (and, with a Gzipper, also gzips the output the way both exporters do).

// FloorWork decodes p with pdata, re-encodes it and, if gz is not nil, adds
// the result to gz's current compressed batch.
func FloorWork(p Payload, gz *Gzipper) error {
	var (
		out []byte
		err error
	)
	switch p.Signal {
	case Traces:
		var td ptrace.Traces
		if td, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(p.Body); err == nil {
			out, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
		}
	case Metrics:
		var md pmetric.Metrics
		if md, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(p.Body); err == nil {
			out, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
		}
	case Logs:
		var ld plog.Logs
		if ld, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(p.Body); err == nil {
			out, err = (&plog.ProtoMarshaler{}).MarshalLogs(ld)
		}
	default:
		err = fmt.Errorf("unknown signal %v", p.Signal)
	}
	if err != nil || gz == nil {
		return err
	}
	return gz.Add(out, p.Items)
}

// ExportBatchItems is the batch processor's default send_batch_size: the
// exporters compress batches of about this many items, not single requests.
const ExportBatchItems = 8192

// Gzipper compresses with a reused writer of the standard library at the
// default level, as confighttp (and so both exporters) does for gzip, one
// stream per ExportBatchItems items, so gzip's fixed cost per body is spread
// as it is behind the batch processor.
type Gzipper struct {
	buf   bytes.Buffer
	w     *gzip.Writer
	items int
}

// NewGzipper returns a Gzipper.
func NewGzipper() *Gzipper {
	g := &Gzipper{}
	g.w = gzip.NewWriter(&g.buf)
	return g
}

// Add compresses b into the current stream and closes the stream once it
// holds ExportBatchItems items.
func (g *Gzipper) Add(b []byte, items int) error {
	if _, err := g.w.Write(b); err != nil {
		return err
	}
	g.items += items
	if g.items < ExportBatchItems {
		return nil
	}
	err := g.w.Close()
	g.items = 0
	g.buf.Reset()
	g.w.Reset(&g.buf)
	return err
}

// FloorResult is the CPU cost of the floor over a mix of payloads.
type FloorResult struct {
	Items int64
	CPU   time.Duration
}

// CPUPerMillion is the CPU seconds per million items.
func (f FloorResult) CPUPerMillion() float64 {
	if f.Items == 0 {
		return 0
	}
	return f.CPU.Seconds() / float64(f.Items) * 1e6
}

// MeasureFloor runs FloorWork over the payloads, in turn, for about d on one
// goroutine, and returns the process CPU time it took (garbage collection on
// other threads included). Nothing else should be running in the process.
func MeasureFloor(payloads []Payload, gzipToo bool, d time.Duration) (FloorResult, error) {
	var gz *Gzipper
	if gzipToo {
		gz = NewGzipper()
	}
	// warm up (pools, caches, heap size)
	for _, p := range payloads {
		if err := FloorWork(p, gz); err != nil {
			return FloorResult{}, err
		}
	}
	cpu0, err := selfCPU()
	if err != nil {
		return FloorResult{}, err
	}
	var items int64
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, p := range payloads {
			if err := FloorWork(p, gz); err != nil {
				return FloorResult{}, err
			}
			items += int64(p.Items)
		}
	}
	cpu1, err := selfCPU()
	if err != nil {
		return FloorResult{}, err
	}
	return FloorResult{Items: items, CPU: cpu1 - cpu0}, nil
}

// selfCPU is the user + system CPU time of this process.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
