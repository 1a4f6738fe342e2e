package otlpguardextension // import "github.com/obtraceai/otelcol-obtrace/otlpguardextension"

import (
	"encoding/json"
	"fmt"
)

// jsonNestingLimit bounds the plain nesting of an OTLP/JSON document: the structure around an
// attribute (request, resource, scope, item, attribute list, key-value, value: at most 16
// levels, 32 to spare for unknown fields) plus four per AnyValue level, what a kvlist_value
// takes (value object, kvlistValue object, values array, key-value object).
func jsonNestingLimit(maxValueDepth int) int {
	return 32 + 4*maxValueDepth
}

// jsonNestingError reports JSON nesting beyond jsonNestingLimit.
type jsonNestingError struct{ limit int }

func (e jsonNestingError) Error() string {
	return fmt.Sprintf("JSON nesting is deeper than %d levels (32 + 4 x max_value_depth)", e.limit)
}

// maxEscapedKeyLength bounds the keys that are unescaped to compare them with the AnyValue
// container names: "kvlist_value" written entirely in \uXXXX escapes is 74 bytes.
const maxEscapedKeyLength = 128

// jsonFrame is an open object or array; valueLevel marks the object of an array_value or
// kvlist_value.
type jsonFrame struct {
	object     bool
	valueLevel bool
}

// scanJSON reports the deepest AnyValue nesting in an OTLP/JSON document; see jsonScanner.
func scanJSON(buf []byte, maxValueDepth int) (int, error) {
	scanner := newJSONScanner(maxValueDepth)
	err := scanner.write(buf)
	return scanner.deepest, err
}

// jsonScanner measures the AnyValue nesting of an OTLP/JSON document without decoding it, fed
// in pieces as the body is read, so that a deep document is refused after its first levels: an
// object that is the value of an arrayValue, array_value, kvlistValue or kvlist_value key
// counts one level (pdata accepts both spellings). write fails with a depthError when that
// nesting exceeds maxValueDepth, and with a jsonNestingError when brackets nest deeper than
// jsonNestingLimit(maxValueDepth). Strings and escapes are respected; everything else is left
// to the decoder, which refuses malformed documents itself: the scanner is as lenient as
// pdata's (a stray closing bracket, an unterminated document), so it refuses nothing pdata
// would accept at a depth within the bound. Its memory is bounded by the limit.
type jsonScanner struct {
	maxValueDepth, limit int
	stack                []jsonFrame
	depth, deepest       int
	// expectKey: the next string in the current object is a key. containerKey: the last key
	// read names an AnyValue container, so an object opened as its value is one level.
	expectKey, containerKey bool
	// inString, escapeNext: inside a string, after a backslash. inKey: that string is a key,
	// whose bytes (quotes included) are collected in key up to maxEscapedKeyLength.
	inString, escapeNext, inKey, keyEscaped bool
	key                                     []byte
}

func newJSONScanner(maxValueDepth int) *jsonScanner {
	return &jsonScanner{maxValueDepth: maxValueDepth, limit: jsonNestingLimit(maxValueDepth), stack: make([]jsonFrame, 0, 32)}
}

func (s *jsonScanner) write(p []byte) error {
	for _, c := range p {
		if s.inString {
			s.stringByte(c)
			continue
		}
		switch c {
		case '"':
			s.inString, s.inKey = true, s.expectKey
			s.expectKey = false
			if s.inKey {
				s.key, s.keyEscaped = append(s.key[:0], c), false
			}
		case '{', '[':
			if len(s.stack) == s.limit {
				return jsonNestingError{limit: s.limit}
			}
			frame := jsonFrame{object: c == '{', valueLevel: c == '{' && s.containerKey}
			if frame.valueLevel {
				s.depth++
				s.deepest = max(s.deepest, s.depth)
				if s.depth > s.maxValueDepth {
					return depthError{limit: s.maxValueDepth}
				}
			}
			s.stack = append(s.stack, frame)
			s.expectKey, s.containerKey = frame.object, false
		case '}', ']':
			if len(s.stack) == 0 {
				continue
			}
			if s.stack[len(s.stack)-1].valueLevel {
				s.depth--
			}
			s.stack = s.stack[:len(s.stack)-1]
			s.expectKey, s.containerKey = false, false
		case ',':
			s.expectKey = len(s.stack) > 0 && s.stack[len(s.stack)-1].object
			s.containerKey = false
		}
	}
	return nil
}

// stringByte takes one byte inside a string.
func (s *jsonScanner) stringByte(c byte) {
	if s.inKey && len(s.key) <= maxEscapedKeyLength {
		s.key = append(s.key, c)
	}
	switch {
	case s.escapeNext:
		s.escapeNext = false
	case c == '\\':
		s.escapeNext, s.keyEscaped = true, true
	case c == '"':
		s.inString = false
		if s.inKey {
			s.containerKey = len(s.key) <= maxEscapedKeyLength && namesContainer(s.key, s.keyEscaped)
			s.inKey = false
		}
	}
}

// namesContainer reports whether quoted, a JSON string with its quotes, is one of the keys
// under which pdata decodes an ArrayValue or a KeyValueList.
func namesContainer(quoted []byte, escaped bool) bool {
	key := string(quoted[1 : len(quoted)-1])
	if escaped && json.Unmarshal(quoted, &key) != nil {
		return false
	}
	switch key {
	case "arrayValue", "array_value", "kvlistValue", "kvlist_value":
		return true
	}
	return false
}
