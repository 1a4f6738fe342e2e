package main

import (
	"strings"

	"github.com/obtraceai/otelcol-obtrace/bench"
	"github.com/obtraceai/otelcol-obtrace/bench/loadgen"
)

// variantDef is one side (A or B) of a pair: a binary, its configuration and the load.
type variantDef struct {
	label       string
	bin         string
	steps       []loadgen.Step
	spec        pipelineSpec
	recordNames bool
	// shipped, if set, is a shipped config the collector runs instead of spec (shipped.go).
	shipped string
	// e2e: the steps' payloads are stamped, the sink records the end-to-end
	// latency, and the load generator sends the receiver token.
	e2e bool
	// workers overrides -workers; rate (items/s), if > 0, makes the load open-loop.
	workers int
	rate    float64
}

// pairDef is an A/B comparison; floor names the floor measurement its CPU is compared to.
type pairDef struct {
	id, title string
	floor     string
	a, b      variantDef
}

// loadSteps are the workers' cycles: every signal over gRPC then HTTP, or
// metrics only; stamped is the full cycle with send-time stamps (e2e variants).
type loadSteps struct{ all, metrics, stamped []loadgen.Step }

func buildSteps(payloads, stamped map[bench.Signal][]bench.Payload) loadSteps {
	var s loadSteps
	for _, proto := range []loadgen.Protocol{loadgen.GRPC, loadgen.HTTP} {
		for _, sig := range bench.Signals {
			s.all = append(s.all, loadgen.Step{Protocol: proto, Payloads: payloads[sig]})
			s.stamped = append(s.stamped, loadgen.Step{Protocol: proto, Payloads: stamped[sig]})
		}
		s.metrics = append(s.metrics, loadgen.Step{Protocol: proto, Payloads: payloads[bench.Metrics]})
	}
	return s
}

// allSignals are the pipelines of the pairs that carry traces, metrics and logs.
var allSignals = []string{"traces", "metrics", "logs"}

// definePairs returns every pair the driver knows, in report order.
func definePairs(o options, steps loadSteps) []pairDef {
	all := allSignals
	metricsOnly := []string{"metrics"}
	return append([]pairDef{
		{id: "obtrace", title: "stock `otlp → batch → otlp_http` vs ours `otlp → batch → obtrace` (traces, metrics, logs)",
			floor: "mix",
			a:     variantDef{label: "stock otlp_http", bin: o.stock, steps: steps.all, spec: pipelineSpec{exporter: exporterStock, signals: all}},
			b:     variantDef{label: "ours obtrace", bin: o.ours, steps: steps.all, spec: pipelineSpec{exporter: exporterObtrace, signals: all}}},
		{id: "warn", title: "pass-through vs `semanticmetrics` warn (metrics only, otelcol-obtrace)",
			floor: "metrics",
			a:     variantDef{label: "pass-through", bin: o.ours, steps: steps.metrics, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly}},
			b:     variantDef{label: "semanticmetrics warn", bin: o.ours, steps: steps.metrics, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: semanticMetrics("warn"), chain: []string{"semanticmetrics"}}}},
		{id: "normalize", title: "`transform` (OTTL equivalent) vs `semanticmetrics` normalize (metrics only, otelcol-obtrace)",
			floor: "metrics",
			a:     variantDef{label: "transform (OTTL)", bin: o.ours, steps: steps.metrics, recordNames: true, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: transformEquivalent, chain: []string{"transform"}}},
			b:     variantDef{label: "semanticmetrics normalize", bin: o.ours, steps: steps.metrics, recordNames: true, spec: pipelineSpec{exporter: exporterObtrace, signals: metricsOnly, processors: semanticMetrics("normalize"), chain: []string{"semanticmetrics"}}}},
	}, durablePairs(o, steps)...)
}

// selectPairs keeps the pairs named in list (comma-separated), in report order.
func selectPairs(pairs []pairDef, list string) []*pairDef {
	want := map[string]bool{}
	for p := range strings.SplitSeq(list, ",") {
		want[strings.TrimSpace(p)] = true
	}
	var out []*pairDef
	for i := range pairs {
		if want[pairs[i].id] {
			out = append(out, &pairs[i])
		}
	}
	return out
}
