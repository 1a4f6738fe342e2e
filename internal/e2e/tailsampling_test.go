package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// Tail sampling across replicas: configs/gateway-tailsampling.yaml (front tier, load_balancing by
// trace ID) in front of two collectors on configs/gateway-tailsampling-sampler.yaml, each with its
// own fake ingest so the test sees which sampler kept what.

const (
	samplingPercent  = 25
	spansPerTrace    = 4
	samplingDecision = "2s"
)

// tailSamplingFront writes the shipped front-tier config with the DNS resolver replaced by a static
// list of the samplers' loopback addresses (a merge overlay cannot remove the dns resolver).
func tailSamplingFront(t *testing.T, samplers ...*collector) string {
	t.Helper()
	data, err := os.ReadFile(shippedConfig(t, "gateway-tailsampling.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	hostnames := make([]string, len(samplers))
	for i, s := range samplers {
		hostnames[i] = s.grpcAddr
	}
	lb := cfg["exporters"].(map[string]any)["load_balancing"].(map[string]any)
	lb["resolver"] = map[string]any{"static": map[string]any{"hostnames": hostnames}}
	lb["retry_on_failure"] = map[string]any{"enabled": true, "initial_interval": "100ms", "max_interval": "1s", "max_elapsed_time": "120s"}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gateway-tailsampling.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func startSampler(t *testing.T, ingest *ingesttest.Ingest) (shippedRun, *collector) {
	t.Helper()
	run := newShippedRun(t, "gateway-tailsampling-sampler.yaml", ingest.URL(), "", "")
	run.env = append(run.env,
		"OTELCOL_SAMPLING_PERCENT="+strconv.Itoa(samplingPercent),
		"OTELCOL_SAMPLING_DECISION_WAIT="+samplingDecision)
	return run, run.start(t)
}

// sendTraces sends n traces of spansPerTrace spans through the OTel Go SDK over gRPC; every
// errEvery-th one has a failed child span. Span names are <prefix>-<trace>-<span>, with "err"
// in the prefix of failed traces.
func sendTraces(t *testing.T, front *collector, prefix string, n, errEvery int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	exp := workload{Protocol: "grpc", Headers: receiverAuth}.traceExporter(ctx, t, front)
	res := resource.NewSchemaless()
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp, sdktrace.WithMaxExportBatchSize(64)))
	tracer := tp.Tracer("e2e-tailsampling")
	for i := range n {
		failed := errEvery > 0 && i%errEvery == 0
		name := prefix
		if failed {
			name += "err"
		}
		rootCtx, root := tracer.Start(ctx, fmt.Sprintf("%s-%d-0", name, i))
		for s := 1; s < spansPerTrace; s++ {
			_, child := tracer.Start(rootCtx, fmt.Sprintf("%s-%d-%d", name, i, s), trace.WithSpanKind(trace.SpanKindInternal))
			if failed && s == spansPerTrace-1 {
				child.SetStatus(codes.Error, "payment declined")
			}
			child.End()
		}
		root.End()
	}
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("trace export: %v", err)
	}
}

var spanNameRE = regexp.MustCompile(`^(.+)-(\d+)-(\d+)$`)

// keptTraces groups an ingest's delivered spans by trace (name without the span index).
func keptTraces(ingest *ingesttest.Ingest) map[string]int {
	traces := map[string]int{}
	for name, n := range ingest.DeliveredNames(tracesPath) {
		if m := spanNameRE.FindStringSubmatch(name); m != nil {
			traces[m[1]+"-"+m[2]] += n
		}
	}
	return traces
}

// TestTailSamplingAcrossReplicas: every span of a trace reaches the same sampling collector,
// failed traces are kept whole, the kept share of the rest is within a binomial tolerance; then
// one sampling collector is stopped mid-run and what happens is reported.
func TestTailSamplingAcrossReplicas(t *testing.T) {
	collectorBinary(t)
	ingestA, ingestB, ingestFront := ingesttest.New(t, nil), ingesttest.New(t, nil), ingesttest.New(t, nil)
	_, samplerA := startSampler(t, ingestA)
	runB, samplerB := startSampler(t, ingestB)
	front := newConfigRun(t, tailSamplingFront(t, samplerA, samplerB), ingestFront.URL(), "", "").start(t)

	const traces, errEvery = 400, 10
	sendTraces(t, front, "p1", traces, errEvery)
	failed := traces / errEvery
	// Every failed trace, whole, at one of the samplers.
	waitFor(t, 60*time.Second, "every failed trace at a sampler", func() bool {
		return wholeTraces("p1err-", ingestA, ingestB) == failed
	})
	// Decisions for the rest come at the same time; let the last exports land.
	time.Sleep(3 * time.Second)

	kept := checkWholeAndOnOneSampler(t, "p1", ingestA, ingestB)
	okKept := kept - failed
	// Binomial(360, 0.25): mean 90, sd 8.2; ±4 sd.
	rest := traces - failed
	mean := float64(rest) * samplingPercent / 100
	tolerance := 4 * math.Sqrt(mean*(1-samplingPercent/100.0))
	if d := float64(okKept) - mean; d < -tolerance || d > tolerance {
		t.Errorf("kept %d of %d traces without errors, want %.0f ± %.0f (%d%%)", okKept, rest, mean, tolerance, samplingPercent)
	}
	aTraces, bTraces := len(keptTraces(ingestA)), len(keptTraces(ingestB))
	if aTraces == 0 || bTraces == 0 {
		t.Errorf("traces kept per sampler: A %d, B %d; want both to get a share of the trace IDs", aTraces, bTraces)
	}
	t.Logf("FIGURES tail sampling: %d traces × %d spans, %d failed: %d/%d failed kept whole, %d/%d others kept (%.1f%%, want %d%% ± %.1f%%), sampler A kept %d traces, B %d, 0 split",
		traces, spansPerTrace, failed, failed, failed, okKept, rest, 100*float64(okKept)/float64(rest), samplingPercent, 100*tolerance/float64(rest), aTraces, bTraces)

	// Sampler B stops; the static ring still routes B's share of trace IDs to it, so the front
	// tier's queue holds those spans and retries until B is back.
	samplerB.stop(t)
	sendTraces(t, front, "p2", 200, 5)
	time.Sleep(3 * time.Second)
	whileDown := 0
	for tr := range keptTraces(ingestB) {
		if strings.HasPrefix(tr, "p2") {
			whileDown++
		}
	}
	if whileDown != 0 {
		t.Errorf("sampler B, stopped, delivered %d traces of phase 2", whileDown)
	}
	aWhileDown := len(keptTraces(ingestA))
	samplerB = runB.start(t)
	waitFor(t, 90*time.Second, "every failed trace of phase 2 at a sampler", func() bool {
		return wholeTraces("p2err-", ingestA, ingestB) == 200/5
	})
	time.Sleep(3 * time.Second)
	keptP2 := checkWholeAndOnOneSampler(t, "p2", ingestA, ingestB)
	samplerA.stop(t)
	samplerB.stop(t)
	front.stop(t)
	t.Logf("FIGURES tail sampling, sampler B stopped: 200 traces sent while it was down; A went on deciding its share (%d traces kept by A in all by then), B's share waited in the front tier's queue (retried) and B decided it after its restart: every failed trace of phase 2 arrived whole, %d phase-2 traces kept in all, 0 split across samplers",
		aWhileDown, keptP2)
}

// wholeTraces counts the traces with the prefix that the ingests received whole.
func wholeTraces(prefix string, ingests ...*ingesttest.Ingest) int {
	n := 0
	for _, ingest := range ingests {
		for tr, spans := range keptTraces(ingest) {
			if strings.HasPrefix(tr, prefix) && spans == spansPerTrace {
				n++
			}
		}
	}
	return n
}

// checkWholeAndOnOneSampler checks that no trace with the prefix is split across samplers or
// arrives partly, and returns how many were kept.
func checkWholeAndOnOneSampler(t *testing.T, prefix string, ingests ...*ingesttest.Ingest) int {
	t.Helper()
	where := map[string]int{}
	kept := 0
	for i, ingest := range ingests {
		for tr, spans := range keptTraces(ingest) {
			if !strings.HasPrefix(tr, prefix) {
				continue
			}
			if prev, ok := where[tr]; ok {
				t.Errorf("trace %s kept by samplers %d and %d", tr, prev, i)
			}
			where[tr] = i
			if spans != spansPerTrace {
				t.Errorf("trace %s kept with %d spans, want %d (whole)", tr, spans, spansPerTrace)
			}
			kept++
		}
	}
	return kept
}
