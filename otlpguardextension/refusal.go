package otlpguardextension

import (
	"errors"
	"fmt"
)

// refusal is why a request is not handed to the receiver: a reason (the metric attribute) and
// a message for the client that names the bound.
type refusal struct {
	reason  string
	message string
}

// refusalOf turns a scanner error into a refusal.
func refusalOf(err error, encoding string) *refusal {
	var depth depthError
	var nesting jsonNestingError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &depth), errors.As(err, &nesting):
		return &refusal{reason: reasonDepth, message: "otlpguard: refused before decoding: " + err.Error()}
	default:
		return &refusal{reason: reasonMalformed, message: fmt.Sprintf("otlpguard: refused before decoding: the body is not a well-formed OTLP %s message", encoding)}
	}
}

// checkProtobuf scans an OTLP protobuf request of kind root.
func (g *guard) checkProtobuf(body []byte, root messageKind) *refusal {
	_, err := scanProtobuf(body, root, g.cfg.MaxValueDepth)
	return refusalOf(err, "protobuf")
}
