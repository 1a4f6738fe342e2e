package otlpguardextension

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/pprofile"
	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/deepotlp"
)

// placedRequest is an OTLP request with a value nested depth deep at one place.
type placedRequest struct {
	name  string
	root  messageKind
	build func(t *testing.T, depth int) []byte
}

func tracesAt(place func(ptrace.Span) pcommon.Value) func(*testing.T, int) []byte {
	return func(t *testing.T, depth int) []byte {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "svc")
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetName("s")
		span.Attributes().PutInt("plain", 1)
		nest(place(span), depth)
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		require.NoError(t, err)
		return body
	}
}

func logsAt(place func(plog.LogRecord) pcommon.Value) func(*testing.T, int) []byte {
	return func(t *testing.T, depth int) []byte {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		nest(place(lr), depth)
		body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		require.NoError(t, err)
		return body
	}
}

func metricsAt(place func(pmetric.Metric) pcommon.Value) func(*testing.T, int) []byte {
	return func(t *testing.T, depth int) []byte {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("m")
		nest(place(m), depth)
		body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
		require.NoError(t, err)
		return body
	}
}

// placedRequests covers every place where pdata decodes an AnyValue.
var placedRequests = []placedRequest{
	{"resource attribute", kindTracesRequest, tracesAt(func(_ ptrace.Span) pcommon.Value {
		return pcommon.NewValueEmpty() // replaced below
	})},
	{"span attribute", kindTracesRequest, tracesAt(func(s ptrace.Span) pcommon.Value { return s.Attributes().PutEmpty("deep") })},
	{"event attribute", kindTracesRequest, tracesAt(func(s ptrace.Span) pcommon.Value {
		return s.Events().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"link attribute", kindTracesRequest, tracesAt(func(s ptrace.Span) pcommon.Value {
		return s.Links().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"log body", kindLogsRequest, logsAt(func(lr plog.LogRecord) pcommon.Value { return lr.Body() })},
	{"log attribute", kindLogsRequest, logsAt(func(lr plog.LogRecord) pcommon.Value { return lr.Attributes().PutEmpty("deep") })},
	{"gauge point attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptyGauge().DataPoints().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"sum exemplar attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptySum().DataPoints().AppendEmpty().Exemplars().AppendEmpty().FilteredAttributes().PutEmpty("deep")
	})},
	{"histogram point attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptyHistogram().DataPoints().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"histogram exemplar attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptyHistogram().DataPoints().AppendEmpty().Exemplars().AppendEmpty().FilteredAttributes().PutEmpty("deep")
	})},
	{"exponential histogram point attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"exponential histogram exemplar attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Exemplars().AppendEmpty().FilteredAttributes().PutEmpty("deep")
	})},
	{"summary point attribute", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		return m.SetEmptySummary().DataPoints().AppendEmpty().Attributes().PutEmpty("deep")
	})},
	{"metric metadata", kindMetricsRequest, metricsAt(func(m pmetric.Metric) pcommon.Value {
		m.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
		return m.Metadata().PutEmpty("deep")
	})},
	{"profiles dictionary attribute", kindProfilesRequest, func(t *testing.T, depth int) []byte {
		pd := pprofile.NewProfiles()
		pd.ResourceProfiles().AppendEmpty().Resource().Attributes().PutStr("service.name", "svc")
		nest(pd.Dictionary().AttributeTable().AppendEmpty().Value(), depth)
		body, err := pprofileotlp.NewExportRequestFromProfiles(pd).MarshalProto()
		require.NoError(t, err)
		return body
	}},
}

func init() {
	// The resource attribute case needs the resource, not the span.
	placedRequests[0].build = func(t *testing.T, depth int) []byte {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		nest(rs.Resource().Attributes().PutEmpty("deep"), depth)
		rs.ScopeSpans().AppendEmpty().Scope().Attributes().PutStr("scope", "x")
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		require.NoError(t, err)
		return body
	}
}

func TestScanProtobufMeasuresEveryPlace(t *testing.T) {
	for _, pr := range placedRequests {
		t.Run(pr.name, func(t *testing.T) {
			for _, depth := range []int{0, 1, 2, 7} {
				got, err := scanProtobuf(pr.build(t, depth), pr.root, 64)
				require.NoError(t, err)
				assert.Equal(t, depth, got, "depth %d", depth)
			}
			_, err := scanProtobuf(pr.build(t, 8), pr.root, 7)
			assert.Equal(t, depthError{limit: 7}, err)
		})
	}
}

func TestScanProtobufScopeAndDeprecatedScopeFields(t *testing.T) {
	td := ptrace.NewTraces()
	nest(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Scope().Attributes().PutEmpty("deep"), 5)
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	require.NoError(t, err)
	got, err := scanProtobuf(body, kindTracesRequest, 64)
	require.NoError(t, err)
	assert.Equal(t, 5, got)

	// ResourceSpans field 1000 (the deprecated instrumentation_library_spans) is decoded by
	// pdata as ScopeSpans too.
	scopeSpans := deepScopeSpans(t, 6)
	resourceSpans := protowire.AppendBytes(protowire.AppendTag(nil, 1000, protowire.BytesType), scopeSpans)
	request := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), resourceSpans)
	decoded := ptraceotlp.NewExportRequest()
	require.NoError(t, decoded.UnmarshalProto(request))
	require.Equal(t, 6, tracesDepth(decoded.Traces()), "pdata reads field 1000")
	got, err = scanProtobuf(request, kindTracesRequest, 64)
	require.NoError(t, err)
	assert.Equal(t, 6, got)
}

// deepScopeSpans is the bytes of a ScopeSpans with one span attribute depth deep.
func deepScopeSpans(t *testing.T, depth int) []byte {
	td := ptrace.NewTraces()
	nest(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes().PutEmpty("deep"), depth)
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	require.NoError(t, err)
	// request{1: resource_spans{2: scope_spans}}: unwrap the two levels.
	for range 2 {
		_, _, n := protowire.ConsumeTag(body)
		body, _ = protowire.ConsumeBytes(body[n:])
	}
	return body
}

func TestScanProtobufHugeDepthStopsAtTheBound(t *testing.T) {
	for _, n := range []deepotlp.Nesting{deepotlp.Array, deepotlp.KVList} {
		body := deepotlp.TracesProtobuf("svc", 2_000_000, n)
		deepest, err := scanProtobuf(body, kindTracesRequest, 64)
		assert.Equal(t, depthError{limit: 64}, err)
		assert.Equal(t, 65, deepest, "the scan stops one level past the bound")
	}
}

func TestScanProtobufAgreesWithDeepotlp(t *testing.T) {
	for _, n := range []deepotlp.Nesting{deepotlp.Array, deepotlp.KVList} {
		for _, depth := range []int{0, 1, 64, 300} {
			body := deepotlp.TracesProtobuf("svc", depth, n)
			decoded := ptraceotlp.NewExportRequest()
			require.NoError(t, decoded.UnmarshalProto(body))
			require.Equal(t, depth, tracesDepth(decoded.Traces()))
			got, err := scanProtobuf(body, kindTracesRequest, 1000)
			require.NoError(t, err)
			assert.Equal(t, depth, got)
		}
	}
}

func TestScanProtobufRefusesWhatPdataRefuses(t *testing.T) {
	good := deepotlp.TracesProtobuf("svc", 3, deepotlp.Array)
	cases := map[string][]byte{
		"truncated":                         good[:len(good)-1],
		"length past the end":               {0x0a, 0x05, 0x00},
		"message field as varint":           {0x08, 0x01},
		"end group without start":           {0x0c},
		"field number zero":                 {0x02, 0x00},
		"wire type 6":                       {0x0e},
		"unterminated varint":               {0x10, 0xff},
		"varint of eleven bytes":            append([]byte{0x10}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"length past the enclosing message": {0x0a, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			decoded := ptraceotlp.NewExportRequest()
			require.Error(t, decoded.UnmarshalProto(body), "pdata refuses it too")
			_, err := scanProtobuf(body, kindTracesRequest, 64)
			assert.ErrorIs(t, err, errMalformed)
		})
	}
}

func TestScanProtobufSkipsUnknownFieldsAndGroups(t *testing.T) {
	var body []byte
	body = protowire.AppendTag(body, 99, protowire.StartGroupType)
	body = protowire.AppendTag(body, 98, protowire.StartGroupType)
	body = protowire.AppendTag(body, 98, protowire.EndGroupType)
	body = protowire.AppendTag(body, 99, protowire.EndGroupType)
	body = protowire.AppendTag(body, 97, protowire.Fixed32Type)
	body = protowire.AppendFixed32(body, 1)
	body = protowire.AppendTag(body, 96, protowire.Fixed64Type)
	body = protowire.AppendFixed64(body, 1)
	body = append(body, deepotlp.TracesProtobuf("svc", 4, deepotlp.KVList)...)
	decoded := ptraceotlp.NewExportRequest()
	require.NoError(t, decoded.UnmarshalProto(body))
	got, err := scanProtobuf(body, kindTracesRequest, 64)
	require.NoError(t, err)
	assert.Equal(t, 4, got)
}

// pdata ends a skipped group at its first scalar and reads on from there; so does the scanner,
// so that it neither refuses what pdata accepts nor misses what pdata then decodes.
func TestScanProtobufSkipsGroupsLikePdata(t *testing.T) {
	inner := deepotlp.TracesProtobuf("svc", 3, deepotlp.Array)
	body := append([]byte{0x13, 0x08, 0x01}, inner...)
	decoded := ptraceotlp.NewExportRequest()
	require.NoError(t, decoded.UnmarshalProto(body))
	require.Equal(t, 3, tracesDepth(decoded.Traces()))
	got, err := scanProtobuf(body, kindTracesRequest, 64)
	require.NoError(t, err)
	assert.Equal(t, 3, got)
}
