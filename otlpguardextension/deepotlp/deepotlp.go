// Package deepotlp builds OTLP trace requests whose one span attribute is an AnyValue nested
// to a given depth, in protobuf and JSON, without building the tree: the payloads of the
// otlpguard tests, fuzz seeds and the hostile end-to-end suite (millions of levels, tens of MB).
package deepotlp

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Nesting is how each level of the value nests the next.
type Nesting int

const (
	// Array nests through array_value: AnyValue{array_value: ArrayValue{values: [next]}}.
	Array Nesting = iota
	// KVList nests through kvlist_value: AnyValue{kvlist_value: {values: [{key: "k", value: next}]}}.
	KVList
)

// wrap is a message around a nested field: its bytes before the field, and the field number.
type wrap struct {
	prefix []byte
	field  protowire.Number
}

var (
	arrayLevel  = []wrap{{field: 5}, {field: 1}}
	kvlistLevel = []wrap{{field: 6}, {field: 1}, {prefix: protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k"), field: 2}}
	// leaf is AnyValue{string_value: "leaf"}.
	leaf = protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "leaf")
)

// traceEnvelope wraps the attribute value into an ExportTraceServiceRequest, outermost first:
// request.resource_spans, resource_spans.scope_spans (after a resource with service.name),
// scope_spans.spans, span.attributes (after ids and name), key_value.value (after its key).
func traceEnvelope(service string) []wrap {
	resource := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
		keyValueString("service.name", service))
	var span []byte
	span = protowire.AppendTag(span, 1, protowire.BytesType)
	span = protowire.AppendBytes(span, []byte("0123456789abcdef"))
	span = protowire.AppendTag(span, 2, protowire.BytesType)
	span = protowire.AppendBytes(span, []byte("01234567"))
	span = protowire.AppendTag(span, 5, protowire.BytesType)
	span = protowire.AppendString(span, "deep")
	return []wrap{
		{field: 1},
		{prefix: protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), resource), field: 2},
		{field: 2},
		{prefix: span, field: 9},
		{prefix: protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "deep"), field: 2},
	}
}

// keyValueString is the Resource.attributes entry {key: value} with a string value.
func keyValueString(key, value string) []byte {
	kv := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), key)
	kv = protowire.AppendTag(kv, 2, protowire.BytesType)
	return protowire.AppendBytes(kv, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), value))
}

// TracesProtobuf is an ExportTraceServiceRequest (service.name service) with one span whose
// attribute "deep" nests depth levels of n around a string (depth 0: the string itself).
func TracesProtobuf(service string, depth int, n Nesting) []byte {
	level := arrayLevel
	if n == KVList {
		level = kvlistLevel
	}
	envelope := traceEnvelope(service)
	// Sizes first, so that the message is written once, from the inside out, into its buffer.
	size := len(leaf)
	grow := func(w wrap) { size += len(w.prefix) + protowire.SizeTag(w.field) + protowire.SizeVarint(uint64(size)) }
	for range depth {
		for _, l := range slices.Backward(level) {
			grow(l)
		}
	}
	for _, e := range slices.Backward(envelope) {
		grow(e)
	}
	buf := make([]byte, size)
	pos := size - copy(buf[size-len(leaf):], leaf)
	var header []byte
	put := func(w wrap) {
		header = protowire.AppendTag(append(header[:0], w.prefix...), w.field, protowire.BytesType)
		header = protowire.AppendVarint(header, uint64(size-pos))
		pos -= len(header)
		copy(buf[pos:], header)
	}
	for range depth {
		for _, l := range slices.Backward(level) {
			put(l)
		}
	}
	for _, e := range slices.Backward(envelope) {
		put(e)
	}
	return buf
}

// TracesJSON is the OTLP/JSON form of TracesProtobuf.
func TracesJSON(service string, depth int, n Nesting) []byte {
	open, closing := `{"arrayValue":{"values":[`, `]}}`
	if n == KVList {
		open, closing = `{"kvlistValue":{"values":[{"key":"k","value":`, `}]}}`
	}
	var b strings.Builder
	b.Grow(100 + depth*(len(open)+len(closing)))
	b.WriteString(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"` + service +
		`"}}]},"scopeSpans":[{"spans":[{"traceId":"30313233343536373839616263646566","spanId":"3031323334353637","name":"deep","attributes":[{"key":"deep","value":`)
	for range depth {
		b.WriteString(open)
	}
	b.WriteString(`{"stringValue":"leaf"}`)
	for range depth {
		b.WriteString(closing)
	}
	b.WriteString(`}]}]}]}]}`)
	return []byte(b.String())
}
