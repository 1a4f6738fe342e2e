package bench

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"
	"time"
)

func post(t *testing.T, url, auth, ctype string, gz bool, body []byte) int {
	t.Helper()
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write(body)
		_ = w.Close()
		body = b.Bytes()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestSinkCounts(t *testing.T) {
	s := NewSink("obt_dev_bench")
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	payloads := map[Signal][]Payload{}
	for _, sig := range Signals {
		ps, err := BuildPayloads(sig, PayloadOptions{ItemsPerRequest: 20, Variants: 2})
		if err != nil {
			t.Fatal(err)
		}
		payloads[sig] = ps
	}
	const pb = "application/x-protobuf"
	auth := "Bearer obt_dev_bench"
	// obtrace paths, gzip
	for _, sig := range Signals {
		if c := post(t, s.URL()+"/otlp/v1/"+sig.String(), auth, pb, true, payloads[sig][0].Body); c != 200 {
			t.Fatalf("%v: status %d", sig, c)
		}
	}
	// stock otlphttp paths, uncompressed
	s.RecordMetricNames(true)
	if c := post(t, s.URL()+"/v1/metrics", auth, pb, false, payloads[Metrics][1].Body); c != 200 {
		t.Fatalf("status %d", c)
	}
	// refusals are not counted as items
	for _, tc := range []struct {
		path, auth, ctype string
		want              int
	}{
		{"/otlp/v1/traces", "", pb, 401},
		{"/otlp/v1/traces", "Bearer wrong", pb, 401},
		{"/otlp/v1/traces", auth, "application/json", 415},
		{"/otlp/v2/traces", auth, pb, 404},
	} {
		if c := post(t, s.URL()+tc.path, tc.auth, tc.ctype, true, payloads[Traces][0].Body); c != tc.want {
			t.Errorf("%+v: status %d", tc, c)
		}
	}
	// the obtrace exporter's start-up handshake: answered, counted nowhere
	if c := post(t, s.URL()+"/v1/init", auth, "application/json", false, []byte(`{"sdk":"otelcol-obtrace"}`)); c != 204 {
		t.Errorf("/v1/init: status %d", c)
	}
	if c := post(t, s.URL()+"/v1/logs", auth, pb, false, []byte{0xff, 0xff}); c != 400 {
		t.Errorf("garbage: status %d", c)
	}

	st := s.Stats()
	if st.Items != [3]int64{20, 40, 20} || st.Requests != [3]int64{1, 2, 1} {
		t.Errorf("items %v requests %v", st.Items, st.Requests)
	}
	if st.Total() != 80 || st.Unauthorized != 2 || st.Rejected != 3 {
		t.Errorf("total %d unauthorized %d rejected %d", st.Total(), st.Unauthorized, st.Rejected)
	}
	raw := int64(len(payloads[Traces][0].Body) + len(payloads[Metrics][0].Body) + len(payloads[Logs][0].Body) + len(payloads[Metrics][1].Body))
	if st.RawBytes != raw || st.WireBytes >= st.RawBytes || st.WireBytes == 0 {
		t.Errorf("raw %d (want %d) wire %d", st.RawBytes, raw, st.WireBytes)
	}
	if st.LastDelivery.IsZero() {
		t.Error("no LastDelivery")
	}
	names := s.MetricNames()
	if names[MetricKey{"http_request_duration_seconds", "s"}] != 2 || len(names) != len(MetricMix) {
		t.Errorf("names %v", names)
	}
}

func TestSinkLatency(t *testing.T) {
	s := NewSink("")
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	ps, err := BuildPayloads(Logs, PayloadOptions{ItemsPerRequest: 10, Variants: 1, Stamp: true})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(ps[0].Body)
	ps[0].PutStamp(body, time.Now().Add(-time.Second))
	post(t, s.URL()+"/v1/logs", "", "application/x-protobuf", true, body) // not recording yet
	s.RecordLatency(true)
	post(t, s.URL()+"/v1/logs", "", "application/x-protobuf", true, body)
	l := s.Latency()
	if l.Count() != 1 || l.Quantile(0.5) < 950*time.Millisecond || l.Quantile(0.5) > 1100*time.Millisecond {
		t.Errorf("latency: %d recorded, p50 %v (want about 1s)", l.Count(), l.Quantile(0.5))
	}
}
