package otlpguardextension

import (
	"encoding/json"
	"errors"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/deepotlp"
)

// fuzzMeasureDepth is a bound no fuzz input reaches, so that the scanners measure.
const fuzzMeasureDepth = 1 << 20

// pdataDecoder decodes one signal's request and measures the decoded depth.
type pdataDecoder struct {
	root messageKind
	// decode reports the decoded tree's depth and its canonical re-encoding.
	decode func(body []byte) (depth int, canonical []byte, err error)
}

var pdataProtobufDecoders = []pdataDecoder{
	{kindTracesRequest, func(body []byte) (int, []byte, error) {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return 0, nil, err
		}
		canonical, err := req.MarshalProto()
		return tracesDepth(req.Traces()), canonical, err
	}},
	{kindMetricsRequest, func(body []byte) (int, []byte, error) {
		req := pmetricotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return 0, nil, err
		}
		canonical, err := req.MarshalProto()
		return metricsDepth(req.Metrics()), canonical, err
	}},
	{kindLogsRequest, func(body []byte) (int, []byte, error) {
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return 0, nil, err
		}
		canonical, err := req.MarshalProto()
		return logsDepth(req.Logs()), canonical, err
	}},
}

// FuzzScanProtobuf: the scanner never panics; on what pdata accepts it reports no malformed
// input and at least the decoded depth (more only when a value field is repeated, whose
// overwritten copies pdata decodes too), and exactly the depth of pdata's re-encoding.
func FuzzScanProtobuf(f *testing.F) {
	for _, pr := range placedRequests {
		if pr.root != kindProfilesRequest {
			f.Add(pr.build(&testing.T{}, 3))
		}
	}
	f.Add(deepotlp.TracesProtobuf("svc", 70, deepotlp.KVList))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dec := range pdataProtobufDecoders {
			scanned, scanErr := scanProtobuf(body, dec.root, fuzzMeasureDepth)
			decoded, canonical, err := dec.decode(body)
			if err != nil {
				continue
			}
			if scanErr != nil {
				t.Fatalf("kind %d: pdata accepts what the scanner refuses: %v", dec.root, scanErr)
			}
			if scanned < decoded {
				t.Fatalf("kind %d: scanned depth %d < decoded depth %d", dec.root, scanned, decoded)
			}
			if again, err := scanProtobuf(canonical, dec.root, fuzzMeasureDepth); err != nil || again != decoded {
				t.Fatalf("kind %d: canonical form scanned %d (%v), decoded %d", dec.root, again, err, decoded)
			}
		}
	})
}

var pdataJSONDecoders = []func(body []byte) (int, error){
	func(body []byte) (int, error) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(body)
		if err != nil {
			return 0, err
		}
		return tracesDepth(td), nil
	},
	func(body []byte) (int, error) {
		md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(body)
		if err != nil {
			return 0, err
		}
		return metricsDepth(md), nil
	},
	func(body []byte) (int, error) {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
		if err != nil {
			return 0, err
		}
		return logsDepth(ld), nil
	},
}

// FuzzScanJSON: the scanner never panics and measures the same fed whole or in pieces; on what
// pdata's JSON decoder accepts, it refuses nothing that is valid JSON, and whatever it lets
// through it measures at least as deep as pdata decodes (more when an AnyValue container key
// appears in unknown fields).
func FuzzScanJSON(f *testing.F) {
	f.Add(deepotlp.TracesJSON("svc", 3, deepotlp.Array))
	f.Add(deepotlp.TracesJSON("svc", 3, deepotlp.KVList))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlist_value":{"values":[{"key":"a","value":{"array_value":{"values":[{"intValue":"1"}]}}}]}}}]}]}]}`))
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asInt":"1","attributes":[{"key":"k","value":{"arr\u0061yValue":{"values":[]}}}]}]}}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		scanned, scanErr := scanJSON(body, fuzzMeasureDepth)
		// Fed in pieces, as the body is read, it measures the same.
		pieces := newJSONScanner(fuzzMeasureDepth)
		third := len(body) / 3
		var piecesErr error
		for _, piece := range [][]byte{body[:third], body[third : 2*third], body[2*third:]} {
			if piecesErr = pieces.write(piece); piecesErr != nil {
				break
			}
		}
		if piecesErr == nil {
			piecesErr = pieces.finish()
		}
		if !errors.Is(piecesErr, scanErr) || pieces.deepest != scanned {
			t.Fatalf("in pieces %d (%v), whole %d (%v)", pieces.deepest, piecesErr, scanned, scanErr)
		}
		for _, decode := range pdataJSONDecoders {
			decoded, err := decode(body)
			if err != nil {
				continue
			}
			if scanErr != nil && json.Valid(body) {
				t.Fatalf("pdata accepts valid JSON that the scanner refuses: %v", scanErr)
			}
			if scanErr == nil && scanned < decoded {
				t.Fatalf("scanned depth %d < decoded depth %d", scanned, decoded)
			}
		}
	})
}
