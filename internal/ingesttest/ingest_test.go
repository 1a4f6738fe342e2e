package ingesttest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

func post(t *testing.T, url, contentType string, gzipped bool, body []byte) int {
	t.Helper()
	if gzipped {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer k")
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // a test request: only its status and body matter
	return resp.StatusCode
}

func TestIngestDecodesNumbersAndAnswers(t *testing.T) {
	f := New(t, func(r Request) Answer {
		if r.N == 1 {
			return Answer{Status: http.StatusServiceUnavailable, RetryAfter: "1"}
		}
		return OK(r)
	})
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "cart")
	rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("GET /cart")
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	pb := "application/x-protobuf"
	for i, tc := range []struct {
		path, contentType string
		gzipped           bool
		want              int
	}{
		{"/otlp/v1/traces", pb, true, 503},                  // N 1 on its path
		{"/otlp/v1/traces", pb, false, 200},                 // N 2
		{"/custom/traces", pb, true, 503},                   // a per-signal URL: N 1 again
		{"/v1/init", "application/json", false, 503},        // recorded undecoded
		{"/otlp/v1/traces", "application/json", false, 415}, // not recorded
	} {
		if got := post(t, f.URL()+tc.path, tc.contentType, tc.gzipped, body); got != tc.want {
			t.Errorf("request %d to %s: status %d, want %d", i, tc.path, got, tc.want)
		}
	}
	reqs := f.Requests()
	if len(reqs) != 4 {
		t.Fatalf("recorded %d requests, want 4", len(reqs))
	}
	first := reqs[0]
	if first.N != 1 || first.Status != 503 || first.Items != 1 || first.Names[0] != "GET /cart" ||
		first.Resources[0]["service.name"] != "cart" || first.ContentEncoding != "gzip" ||
		first.Authorization != "Bearer k" || first.Traces.SpanCount() != 1 {
		t.Errorf("first request recorded as %+v", first)
	}
	if reqs[1].N != 2 || reqs[1].Status != 200 || reqs[2].N != 1 || reqs[3].Items != 0 {
		t.Errorf("numbering or status wrong: %+v", reqs[1:])
	}
}
