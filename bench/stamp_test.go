package bench

import (
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A stamp written in place survives decoding by pdata (the request stays
// valid) and is read back by EachStamp, also after pdata merged two requests
// into one, as a collector's batching does.
func TestStampRoundTrip(t *testing.T) {
	for _, sig := range Signals {
		ps, err := BuildPayloads(sig, PayloadOptions{ItemsPerRequest: 20, Variants: 2, Stamp: true})
		if err != nil {
			t.Fatal(err)
		}
		t1, t2 := time.Unix(1700000000, 123456789), time.Unix(1700000001, 5)
		b1, b2 := slices.Clone(ps[0].Body), slices.Clone(ps[1].Body)
		ps[0].PutStamp(b1, t1)
		ps[1].PutStamp(b2, t2)
		// Two serialized requests concatenated are one request with both
		// resources (protobuf appends repeated fields), as batching makes.
		merged := slices.Concat(b1, b2)
		var got []time.Time
		if err := EachStamp(merged, func(s time.Time) { got = append(got, s) }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !got[0].Equal(t1) || !got[1].Equal(t2) {
			t.Errorf("%v: stamps %v, want %v and %v", sig, got, t1, t2)
		}
		if n, err := CountItems(sig, merged); err != nil || n != ps[0].Items+ps[1].Items {
			t.Errorf("%v: %d items (%v)", sig, n, err)
		}
		if err := pdataDecodes(sig, merged); err != nil {
			t.Errorf("%v: pdata cannot decode the stamped request: %v", sig, err)
		}
	}
}

// Without Stamp the payloads are the same bytes as before (the existing pairs are unchanged).
func TestStampOffByDefault(t *testing.T) {
	ps, err := BuildPayloads(Traces, PayloadOptions{ItemsPerRequest: 20})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = EachStamp(ps[0].Body, func(time.Time) { n++ })
	if ps[0].StampAt != 0 || n != 0 {
		t.Errorf("unstamped payload: StampAt %d, %d stamps", ps[0].StampAt, n)
	}
}

func pdataDecodes(sig Signal, req []byte) error {
	var err error
	switch sig {
	case Traces:
		_, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(req)
	case Metrics:
		_, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(req)
	case Logs:
		_, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(req)
	}
	return err
}
