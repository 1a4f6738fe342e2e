package e2e

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestBadInput posts malformed and extreme OTLP/HTTP requests to the shipped gateway. Each gets
// a clear answer (4xx for what cannot be decoded, 2xx for what is valid OTLP however odd), the
// collector keeps running, and a good request sent after each one is delivered.
func TestBadInput(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "")
	c := run.start(t)

	valid := tracesProto(t, "svc", "trunc", 20)
	invalidUTF8 := tracesRequest("svc", "utf8", 1)
	invalidUTF8.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetName("bad-\xff\xfe-name")
	invalidUTF8.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().PutStr("k\xc3", "v\xff")
	manyAttrs := tracesRequest("svc", "attrs", 1)
	attrs := manyAttrs.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	for i := range 10_000 {
		attrs.PutStr(fmt.Sprintf("attr.%d", i), "value")
	}

	type badCase struct {
		name, path, contentType string
		body                    []byte
		// wantStatus is the answer; forwarded is how many items of it reach the ingest.
		wantStatus int
		forwarded  int
	}
	cases := []badCase{
		{"malformed protobuf", "/v1/traces", "application/x-protobuf", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0x01}, http.StatusBadRequest, 0},
		{"truncated protobuf", "/v1/traces", "application/x-protobuf", valid[:len(valid)/2], http.StatusBadRequest, 0},
		{"malformed JSON", "/v1/traces", "application/json", []byte(`{"resourceSpans": [`), http.StatusBadRequest, 0},
		{"wrong content-type", "/v1/traces", "text/plain", valid, http.StatusUnsupportedMediaType, 0},
		{"oversized body (20 MiB + 1)", "/v1/traces", "application/x-protobuf", bytes.Repeat([]byte{0x0a}, 20<<20+1), http.StatusBadRequest, 0},
		{"empty protobuf body", "/v1/traces", "application/x-protobuf", nil, http.StatusOK, 0},
		{"empty JSON object", "/v1/logs", "application/json", []byte(`{}`), http.StatusOK, 0},
		{"invalid UTF-8 in strings", "/v1/traces", "application/x-protobuf", mustProto(t, invalidUTF8.MarshalProto), http.StatusOK, 1},
		{"10k attributes on one span", "/v1/traces", "application/x-protobuf", mustProto(t, manyAttrs.MarshalProto), http.StatusOK, 1},
		{"NaN, +Inf, -Inf gauge values", "/v1/metrics", "application/x-protobuf", mustProto(t, nanMetrics().MarshalProto), http.StatusOK, 3},
	}

	wantSpans, wantPoints := 0, 0
	var report []string
	for i, bc := range cases {
		status, text, _ := postOTLP(t, c, bc.path, bc.contentType, bc.body, receiverAuth)
		if status != bc.wantStatus {
			t.Errorf("%s: status %d (%s), want %d", bc.name, status, strings.TrimSpace(text), bc.wantStatus)
		}
		report = append(report, fmt.Sprintf("%s → %d", bc.name, status))
		switch bc.path {
		case "/v1/traces":
			wantSpans += bc.forwarded
		case "/v1/metrics":
			wantPoints += bc.forwarded
		}
		select {
		case <-c.done:
			t.Fatalf("collector exited after %q:\n%s", bc.name, c.output.String())
		default:
		}
		// The next good request is still accepted and delivered.
		good := fmt.Sprintf("good-after-%d", i)
		if status, text, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "svc", good, 1), receiverAuth); status != http.StatusOK {
			t.Fatalf("good request after %q: %d %s", bc.name, status, text)
		}
		wantSpans++
		waitFor(t, 20*time.Second, good+" delivered", func() bool { return ingest.DeliveredNames(tracesPath)[good+"-span-0"] == 1 })
	}
	waitFor(t, 20*time.Second, "all forwarded items", func() bool {
		return ingest.Delivered(tracesPath) >= wantSpans && ingest.Delivered(metricsPath) >= wantPoints
	})
	c.stop(t)
	if got := ingest.Delivered(tracesPath); got != wantSpans {
		t.Errorf("delivered %d spans, want %d", got, wantSpans)
	}
	if got := ingest.Delivered(metricsPath); got != wantPoints {
		t.Errorf("delivered %d points, want %d", got, wantPoints)
	}
	t.Logf("FIGURES bad-input: %s; collector alive throughout, %d good requests delivered", strings.Join(report, "; "), len(cases))
}

func mustProto(t *testing.T, marshal func() ([]byte, error)) []byte {
	t.Helper()
	b, err := marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nanMetrics() pmetricotlp.ExportRequest {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "svc")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue.depth")
	m.SetUnit("{item}")
	g := m.SetEmptyGauge()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		dp := g.DataPoints().AppendEmpty()
		dp.SetDoubleValue(v)
	}
	return pmetricotlp.NewExportRequestFromMetrics(md)
}
