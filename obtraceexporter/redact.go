package obtraceexporter

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Redaction of secrets: see "Secrets" in doc.go.

// redactedText replaces every secret.
const redactedText = "[REDACTED]"

// maxIngestMessageBytes bounds a message written by ingest (partial-success
// error_message) before it is logged, so a hostile or broken ingest cannot
// flood the log with one request.
const maxIngestMessageBytes = 512

// secretPattern matches an Obtrace key, or the credential of a bearer
// Authorization value (RFC 6750 token68 characters). A bearer credential is at
// least 16 characters, so prose such as "the bearer key is ..." and our own
// "Bearer <api_key>" stay readable.
var secretPattern = regexp.MustCompile(`obt_(?:live|stg|dev|pub)_[A-Za-z0-9._~+/=-]+|(?i:bearer)\s+[A-Za-z0-9._~+/-]{16,}=*`)

// redactSecrets returns s with every occurrence of keys, and everything that
// looks like an Obtrace key or a bearer credential, replaced by [REDACTED].
func redactSecrets(s string, keys ...string) string {
	for _, key := range keys {
		if key != "" {
			s = strings.ReplaceAll(s, key, redactedText)
		}
	}
	return secretPattern.ReplaceAllStringFunc(s, func(match string) string {
		if scheme := match[:len("bearer")]; strings.EqualFold(scheme, "bearer") {
			return scheme + " " + redactedText
		}
		return redactedText
	})
}

// ingestMessage prepares a message written by ingest for the log: redacted,
// then cut to maxIngestMessageBytes (on a UTF-8 boundary, marked with "…").
// Redaction comes first, so a cut can never leave a partial key behind.
func ingestMessage(s string, keys ...string) string {
	s = redactSecrets(s, keys...)
	if len(s) <= maxIngestMessageBytes {
		return s
	}
	cut := maxIngestMessageBytes - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redactError makes sure err's text contains none of keys and nothing that looks
// like an Obtrace key or a bearer credential. Errors with nothing to redact are
// returned unchanged.
func redactError(err error, keys ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	redacted := redactSecrets(msg, keys...)
	if redacted == msg {
		return err
	}
	return &redactedError{err: err, msg: redacted}
}

// redactedError replaces the text of the wrapped error by a redacted copy,
// while keeping the error visible to errors.Is / errors.As (so permanent and
// throttle errors keep their meaning for the exporterhelper retry logic).
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }
