package main

// The durable pairs (issue 10): the shipped gateway, no batch processor and a
// persistent sending queue on fsync'd file_storage, against the stock
// in-memory gateway and against the stock otlp_http exporter on the same
// queue. All carry send-time stamps, so their end-to-end latency is measured.

// defaultPairs is what -pairs runs by default.
const defaultPairs = "obtrace,warn,normalize,durable,durable32,upstreamfsync,durablerate"

func durablePairs(o options, steps loadSteps) []pairDef {
	stockMem := variantDef{label: "stock in-memory gateway", bin: o.stock, steps: steps.stamped, e2e: true,
		spec: pipelineSpec{exporter: exporterStock, signals: allSignals}}
	stockFsync := variantDef{label: "stock otlp_http, fsync queue", bin: o.stock, steps: steps.stamped, e2e: true,
		spec: pipelineSpec{exporter: exporterStock, signals: allSignals, persistentQueue: true}}
	ours := variantDef{label: "ours configs/gateway.yaml", bin: o.ours, steps: steps.stamped, e2e: true, shipped: o.gateway}
	with := func(v variantDef, workers int, rate float64) variantDef {
		v.workers, v.rate = workers, rate
		return v
	}
	return []pairDef{
		{id: "durable", floor: "mix", title: "stock in-memory `otlp → batch → otlp_http` vs ours shipped `configs/gateway.yaml` (persistent fsync'd queue), 4 workers",
			a: stockMem, b: ours},
		{id: "durable32", floor: "mix", title: "the same, 32 workers",
			a: with(stockMem, 32, 0), b: with(ours, 32, 0)},
		{id: "upstreamfsync", floor: "mix", title: "stock otlp_http on the shipped gateway's fsync'd persistent queue (no batch processor) vs ours shipped `configs/gateway.yaml`",
			a: stockFsync, b: ours},
		{id: "durablerate", floor: "mix", title: "stock in-memory gateway vs ours shipped `configs/gateway.yaml` at a fixed offered rate (open loop)",
			a: with(stockMem, o.rateWorkers, o.rate), b: with(ours, o.rateWorkers, o.rate)},
	}
}
