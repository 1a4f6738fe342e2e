package otlpguardextension

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// messageKind names an OTLP protobuf message whose fields can lead to an AnyValue.
type messageKind uint8

const (
	kindTracesRequest messageKind = iota
	kindMetricsRequest
	kindLogsRequest
	kindProfilesRequest
	kindResourceSpans
	kindResourceMetrics
	kindResourceLogs
	kindResourceProfiles
	kindResource
	kindScope
	kindScopeSpans
	kindScopeMetrics
	kindScopeLogs
	kindScopeProfiles
	kindSpan
	kindSpanEvent
	kindSpanLink
	kindMetric
	kindNumberPoints // Gauge and Sum: field 1 is NumberDataPoint
	kindHistogram
	kindExponentialHistogram
	kindSummary
	kindNumberDataPoint
	kindHistogramDataPoint
	kindExponentialHistogramDataPoint
	kindSummaryDataPoint
	kindExemplar
	kindLogRecord
	kindProfilesDictionary
	kindKeyValueAndUnit
	kindKeyValue
	kindAnyValue
	kindArrayValue
	kindKeyValueList
	kindCount
)

// messageField is a field of a message that holds (a repeated) message of kind child.
type messageField struct {
	number protowire.Number
	child  messageKind
}

// otlpSchema lists, for each message, the fields that pdata decodes as messages and that can
// lead to an AnyValue (field numbers from pdata v1.66.0's generated decoders, which also read
// the deprecated scope fields numbered 1000). Every other field is skipped by its length.
var otlpSchema = [kindCount][]messageField{
	kindTracesRequest:                 {{1, kindResourceSpans}},
	kindMetricsRequest:                {{1, kindResourceMetrics}},
	kindLogsRequest:                   {{1, kindResourceLogs}},
	kindProfilesRequest:               {{1, kindResourceProfiles}, {2, kindProfilesDictionary}},
	kindResourceSpans:                 {{1, kindResource}, {2, kindScopeSpans}, {1000, kindScopeSpans}},
	kindResourceMetrics:               {{1, kindResource}, {2, kindScopeMetrics}, {1000, kindScopeMetrics}},
	kindResourceLogs:                  {{1, kindResource}, {2, kindScopeLogs}, {1000, kindScopeLogs}},
	kindResourceProfiles:              {{1, kindResource}, {2, kindScopeProfiles}},
	kindResource:                      {{1, kindKeyValue}},
	kindScope:                         {{3, kindKeyValue}},
	kindScopeSpans:                    {{1, kindScope}, {2, kindSpan}},
	kindScopeMetrics:                  {{1, kindScope}, {2, kindMetric}},
	kindScopeLogs:                     {{1, kindScope}, {2, kindLogRecord}},
	kindScopeProfiles:                 {{1, kindScope}},
	kindSpan:                          {{9, kindKeyValue}, {11, kindSpanEvent}, {13, kindSpanLink}},
	kindSpanEvent:                     {{3, kindKeyValue}},
	kindSpanLink:                      {{4, kindKeyValue}},
	kindMetric:                        {{5, kindNumberPoints}, {7, kindNumberPoints}, {9, kindHistogram}, {10, kindExponentialHistogram}, {11, kindSummary}, {12, kindKeyValue}},
	kindNumberPoints:                  {{1, kindNumberDataPoint}},
	kindHistogram:                     {{1, kindHistogramDataPoint}},
	kindExponentialHistogram:          {{1, kindExponentialHistogramDataPoint}},
	kindSummary:                       {{1, kindSummaryDataPoint}},
	kindNumberDataPoint:               {{7, kindKeyValue}, {5, kindExemplar}},
	kindHistogramDataPoint:            {{9, kindKeyValue}, {8, kindExemplar}},
	kindExponentialHistogramDataPoint: {{1, kindKeyValue}, {11, kindExemplar}},
	kindSummaryDataPoint:              {{7, kindKeyValue}},
	kindExemplar:                      {{7, kindKeyValue}},
	kindLogRecord:                     {{5, kindAnyValue}, {6, kindKeyValue}},
	kindProfilesDictionary:            {{6, kindKeyValueAndUnit}},
	kindKeyValueAndUnit:               {{2, kindAnyValue}},
	kindKeyValue:                      {{2, kindAnyValue}},
	kindAnyValue:                      {{5, kindArrayValue}, {6, kindKeyValueList}},
	kindArrayValue:                    {{1, kindAnyValue}},
	kindKeyValueList:                  {{1, kindKeyValue}},
}

// childKind reports the kind of the message held by field number of a message of kind parent.
func childKind(parent messageKind, number protowire.Number) (messageKind, bool) {
	for _, f := range otlpSchema[parent] {
		if f.number == number {
			return f.child, true
		}
	}
	return 0, false
}

// opensValueLevel reports whether a message of this kind is one level of AnyValue nesting.
func (k messageKind) opensValueLevel() bool {
	return k == kindArrayValue || k == kindKeyValueList
}

// errMalformed is returned for bytes that are not a well-formed OTLP message.
var errMalformed = errors.New("malformed")

// depthError reports AnyValue nesting beyond the bound.
type depthError struct{ limit int }

func (e depthError) Error() string {
	return fmt.Sprintf("AnyValue nesting (array_value/kvlist_value) is deeper than max_value_depth %d", e.limit)
}

// protoFrame is one message being scanned: its kind and where its bytes end.
type protoFrame struct {
	kind messageKind
	end  int
}

// scanProtobuf reports the deepest AnyValue nesting in buf, a protobuf message of kind root,
// without decoding it: array_value and kvlist_value each count one level, a scalar value none.
// It stops with a depthError as soon as the nesting exceeds maxDepth, and with errMalformed on
// bytes that pdata could not decode either. The stack of open messages is explicit and bounded
// by maxDepth (at most three frames per value level below at most ten structural ones).
func scanProtobuf(buf []byte, root messageKind, maxDepth int) (int, error) {
	stack := make([]protoFrame, 1, 16)
	stack[0] = protoFrame{kind: root, end: len(buf)}
	depth, deepest := 0, 0
	pos := 0
	for {
		top := &stack[len(stack)-1]
		if pos == top.end {
			if len(stack) == 1 {
				return deepest, nil
			}
			if top.kind.opensValueLevel() {
				depth--
			}
			stack = stack[:len(stack)-1]
			continue
		}
		msg := buf[:top.end]
		number, wireType, next, err := consumeTag(msg, pos)
		if err != nil {
			return deepest, err
		}
		pos = next
		child, isMessage := childKind(top.kind, number)
		if !isMessage {
			if pos, err = skipField(msg, pos, wireType); err != nil {
				return deepest, err
			}
			continue
		}
		// pdata refuses a wrong wire type on a field it decodes as a message.
		if wireType != protowire.BytesType {
			return deepest, errMalformed
		}
		length, next, err := consumeLen(msg, pos)
		if err != nil {
			return deepest, err
		}
		if child.opensValueLevel() {
			depth++
			deepest = max(deepest, depth)
			if depth > maxDepth {
				return deepest, depthError{limit: maxDepth}
			}
		}
		stack = append(stack, protoFrame{kind: child, end: next})
		pos = next - length
	}
}

// The wire readers below accept exactly what pdata's (internal/proto) accept, so that the
// scanner refuses as malformed only what pdata would refuse too.

// consumeVarint reads a varint at pos: at most ten bytes, higher bits dropped as pdata does.
func consumeVarint(buf []byte, pos int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if pos >= len(buf) {
			return 0, 0, errMalformed
		}
		b := buf[pos]
		pos++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, pos, nil
		}
	}
	return 0, 0, errMalformed
}

// consumeTag reads a field tag at pos.
func consumeTag(buf []byte, pos int) (protowire.Number, protowire.Type, int, error) {
	tag, pos, err := consumeVarint(buf, pos)
	if err != nil {
		return 0, 0, 0, err
	}
	number := int32(tag >> 3)
	if number <= 0 {
		return 0, 0, 0, errMalformed
	}
	return protowire.Number(number), protowire.Type(tag & 7), pos, nil
}

// consumeLen reads the length of a length-delimited field at pos and reports it with the
// position after the field's bytes.
func consumeLen(buf []byte, pos int) (int, int, error) {
	v, pos, err := consumeVarint(buf, pos)
	if err != nil {
		return 0, 0, err
	}
	length := int(v)
	if length < 0 || pos+length < 0 || pos+length > len(buf) {
		return 0, 0, errMalformed
	}
	return length, pos + length, nil
}

// skipField steps over the value of a field that holds no nesting, as pdata's
// proto.ConsumeUnknown does: groups (which OTLP does not use) with a counter, never by
// recursion, and, like pdata, a scalar ends the skip even inside a group.
func skipField(buf []byte, pos int, wireType protowire.Type) (int, error) {
	groups := 0
	for pos < len(buf) {
		var err error
		switch wireType {
		case protowire.VarintType:
			_, pos, err = consumeVarint(buf, pos)
			return pos, err
		case protowire.Fixed64Type:
			return consumeFixed(buf, pos, 8)
		case protowire.Fixed32Type:
			return consumeFixed(buf, pos, 4)
		case protowire.BytesType:
			_, pos, err = consumeLen(buf, pos)
			return pos, err
		case protowire.StartGroupType:
			groups++
		case protowire.EndGroupType:
			if groups == 0 {
				return 0, errMalformed
			}
			groups--
		default:
			return 0, errMalformed
		}
		if groups == 0 {
			return pos, nil
		}
		if _, wireType, pos, err = consumeTag(buf, pos); err != nil {
			return 0, err
		}
	}
	return 0, errMalformed
}

// consumeFixed steps over a fixed-width value of size bytes.
func consumeFixed(buf []byte, pos, size int) (int, error) {
	if pos+size > len(buf) {
		return 0, errMalformed
	}
	return pos + size, nil
}
