package semanticmetricsprocessor

import (
	"unicode/utf8"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// Bounds on client-controlled input (see the README, "Bounds"). Names and
// units come from every client's telemetry: past a bound they are a finding
// of their own (name.too_long, unit.too_long) and are never parsed, cached
// or logged whole.
const (
	// maxNameBytes is the OpenTelemetry API limit on instrument names.
	maxNameBytes = 255
	// maxUnitBytes is the longest unit analysed, the UCUM parser's bound. (The
	// API limit is 63 characters; longer units up to this bound are still
	// analysed, as before.)
	maxUnitBytes = ucum.MaxExpressionBytes

	// maxLogFieldBytes bounds the service.name, metric and unit fields of a
	// log line; maxLogDetailBytes the detail field.
	maxLogFieldBytes  = 256
	maxLogDetailBytes = 512
)

// truncate returns s when it fits in limit bytes, else its longest prefix that
// ends on a UTF-8 boundary followed by "…", limit bytes in all. Short strings
// are returned as they are, without allocating.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	cut := limit - len(ellipsis)
	for i := 1; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut-- // back to the start of the rune cut through (invalid UTF-8: at most 3 bytes)
	}
	return s[:cut] + ellipsis
}
