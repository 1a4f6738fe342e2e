package otlpguardextension

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/deepotlp"
)

func TestScanJSONMeasuresPdataJSON(t *testing.T) {
	for _, depth := range []int{0, 1, 2, 9} {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		nest(span.Events().AppendEmpty().Attributes().PutEmpty("deep"), depth)
		span.Attributes().PutStr("brackets", `}]{["\"`)
		body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
		require.NoError(t, err)
		got, err := scanJSON(body, 64)
		require.NoError(t, err)
		assert.Equal(t, depth, got)

		ld := plog.NewLogs()
		nest(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body(), depth)
		body, err = (&plog.JSONMarshaler{}).MarshalLogs(ld)
		require.NoError(t, err)
		got, err = scanJSON(body, 64)
		require.NoError(t, err)
		assert.Equal(t, depth, got)
	}
}

func TestScanJSONBounds(t *testing.T) {
	for _, n := range []deepotlp.Nesting{deepotlp.Array, deepotlp.KVList} {
		got, err := scanJSON(deepotlp.TracesJSON("svc", 64, n), 64)
		require.NoError(t, err, "the bound itself is accepted")
		assert.Equal(t, 64, got)
		_, err = scanJSON(deepotlp.TracesJSON("svc", 65, n), 64)
		assert.Equal(t, depthError{limit: 64}, err)
		_, err = scanJSON(deepotlp.TracesJSON("svc", 700_000, n), 64)
		assert.Equal(t, depthError{limit: 64}, err)
	}
	plain := []byte(strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000))
	_, err := scanJSON(plain, 64)
	assert.Equal(t, jsonNestingError{limit: jsonNestingLimit(64)}, err)
}

func TestScanJSONSnakeCaseAndEscapedKeys(t *testing.T) {
	for _, key := range []string{`array_value`, `kvlist_value`, `arr\u0061yValue`, `\u006bvlist\u005fvalue`} {
		doc := strings.Repeat(`{"`+key+`":{"values":[`, 3) + `{"stringValue":"x"}` + strings.Repeat(`]}}`, 3)
		got, err := scanJSON([]byte(doc), 64)
		require.NoError(t, err, key)
		assert.Equal(t, 3, got, key)
	}
	// A value string that spells a key is not a key.
	got, err := scanJSON([]byte(`{"a":"arrayValue","b":{"c":1}}`), 64)
	require.NoError(t, err)
	assert.Equal(t, 0, got)
}

// pdata's JSON decoder (jsoniter) takes a ',' for the '{' or '[' that opens a container, so a
// document can nest values without a single bracket; the scanner refuses any document whose
// structure is not JSON, so that what it lets through nests only with brackets it counts.
func TestScanJSONRefusesMalformedStructure(t *testing.T) {
	// Each level: AnyValue `,"arrayValue":` ArrayValue `,"values":` array `,` (then `]}}`).
	bracketless := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":` +
		strings.Repeat(`,"arrayValue":,"values":,`, 3) + `,"stringValue":"x"}` + strings.Repeat(`]}}`, 3) + `}]}]}]}]}`
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(bracketless))
	require.NoError(t, err, "jsoniter accepts it")
	require.Equal(t, 3, tracesDepth(td), "and nests values without brackets")
	_, err = scanJSON([]byte(bracketless), 64)
	require.ErrorIs(t, err, errMalformed)

	for _, doc := range []string{`{"a":[}`, `]`, `}`, `{"a":"unterminated`, `{"a":[1,2]`, `{"a":"\"}`,
		`,{}`, `{"a":,1}`, `{"a" 1}`, `{"a":1,}`, `[1,,2]`, `{"a":1}x`, `{"a":1}{}`, `{1:2}`, `{"a":1 "b":2}`} {
		_, err := scanJSON([]byte(doc), 64)
		require.ErrorIs(t, err, errMalformed, doc)
	}
	for _, doc := range []string{`{}`, `[]`, ` { "a" : [ 1 , -2.5e+3 , true , null , "x" ] } `, `"s"`, `1`} {
		_, err := scanJSON([]byte(doc), 64)
		assert.NoError(t, err, doc)
	}
}
