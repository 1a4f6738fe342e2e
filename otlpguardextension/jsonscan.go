package otlpguardextension

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
	if err := scanner.write(buf); err != nil {
		return scanner.deepest, err
	}
	return scanner.deepest, scanner.finish()
}

// jsonState is what the scanner expects next.
type jsonState uint8

const (
	expectValue        jsonState = iota // after ':' or ',' in an array, or at the start
	expectValueOrClose                  // after '['
	expectKeyOrClose                    // after '{'
	expectKey                           // after ',' in an object
	expectColon                         // after a key
	expectCommaOrClose                  // after a value inside a container
	expectEnd                           // after the top-level value
)

// jsonScanner measures the AnyValue nesting of an OTLP/JSON document without decoding it, fed
// in pieces as the body is read, so that a deep document is refused after its first levels: an
// object that is the value of an arrayValue, array_value, kvlistValue or kvlist_value key
// counts one level (pdata accepts both spellings). write fails with a depthError when that
// nesting exceeds maxValueDepth, with a jsonNestingError when brackets nest deeper than
// jsonNestingLimit(maxValueDepth), and with errMalformed when the document's structure (its
// brackets, strings, colons and commas) is not JSON. The structure is checked because pdata's
// decoder (jsoniter) is lenient in ways that nest without brackets: it reads `"kvlistValue":,`
// as the start of an object. Numbers and literals are left to the decoder. The scanner holds
// one frame per open bracket, at most the limit.
type jsonScanner struct {
	maxValueDepth, limit int
	stack                []jsonFrame
	depth, deepest       int
	state                jsonState
	// containerKey: the last key read names an AnyValue container, so an object opened as its
	// value is one level.
	containerKey bool
	// inScalar: inside a number or literal. inString, escapeNext: inside a string, after a
	// backslash. inKey: that string is a key, collected (quotes included) in key up to
	// maxEscapedKeyLength.
	inScalar, inString, escapeNext, inKey, keyEscaped bool
	key                                               []byte
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
		if s.inScalar {
			if isScalarByte(c) {
				continue
			}
			s.inScalar = false
		}
		if err := s.structuralByte(c); err != nil {
			return err
		}
	}
	return nil
}

// finish reports whether the document ended complete.
func (s *jsonScanner) finish() error {
	if s.inString || s.state != expectEnd {
		return errMalformed
	}
	return nil
}

func (s *jsonScanner) expectsValue() bool {
	return s.state == expectValue || s.state == expectValueOrClose
}

// valueDone moves on after a complete value.
func (s *jsonScanner) valueDone() {
	if len(s.stack) == 0 {
		s.state = expectEnd
	} else {
		s.state = expectCommaOrClose
	}
}

func (s *jsonScanner) structuralByte(c byte) error {
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return nil
	case c == '"':
		switch {
		case s.state == expectKeyOrClose || s.state == expectKey:
			s.inKey = true
			s.key, s.keyEscaped = append(s.key[:0], c), false
		case s.expectsValue():
			s.inKey, s.containerKey = false, false
		default:
			return errMalformed
		}
		s.inString = true
	case c == '{' || c == '[':
		if !s.expectsValue() {
			return errMalformed
		}
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
		s.containerKey = false
		if frame.object {
			s.state = expectKeyOrClose
		} else {
			s.state = expectValueOrClose
		}
	case c == '}' || c == ']':
		if len(s.stack) == 0 || s.stack[len(s.stack)-1].object != (c == '}') {
			return errMalformed
		}
		closes := s.state == expectCommaOrClose || (c == '}' && s.state == expectKeyOrClose) || (c == ']' && s.state == expectValueOrClose)
		if !closes {
			return errMalformed
		}
		if s.stack[len(s.stack)-1].valueLevel {
			s.depth--
		}
		s.stack = s.stack[:len(s.stack)-1]
		s.valueDone()
	case c == ':':
		if s.state != expectColon {
			return errMalformed
		}
		s.state = expectValue
	case c == ',':
		if s.state != expectCommaOrClose {
			return errMalformed
		}
		if s.stack[len(s.stack)-1].object {
			s.state = expectKey
		} else {
			s.state = expectValue
		}
	case isScalarByte(c):
		if !s.expectsValue() {
			return errMalformed
		}
		s.inScalar, s.containerKey = true, false
		s.valueDone()
	default:
		return errMalformed
	}
	return nil
}

// isScalarByte: a byte of a number or of true, false, null (checked by the decoder).
func isScalarByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '+' || c == '.'
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
			s.state = expectColon
		} else {
			s.valueDone()
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
