package semanticmetricsprocessor

import (
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// compliantBatch builds nMetrics compliant metrics with nPoints points each.
func compliantBatch(nMetrics, nPoints int) pmetric.Metrics {
	md, ms := newMD("checkout-api")
	names := []struct{ name, unit string }{
		{"http_requests_total", "1"}, {"dice.rolls", ""}, {"db.connections.active", "1"},
		{"http.server.active_requests", "{request}"}, {"checkout.items", "{item}"},
	}
	for i := 0; i < nMetrics; i++ {
		n := names[i%len(names)]
		vals := make([]int64, nPoints)
		for j := range vals {
			vals[j] = int64(j)
		}
		addIntSum(ms, n.name, n.unit, n.name != "db.connections.active" && n.name != "http.server.active_requests", vals...)
	}
	return md
}
