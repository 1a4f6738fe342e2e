package obtraceexporter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// isRetryableStatus reports whether Obtrace ingest wants a request retried.
func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseRetryAfter parses a Retry-After value, either delay-seconds or an HTTP
// date (RFC 9110, section 10.2.3).
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.Atoi(value); err == nil {
		if seconds < 0 {
			return 0, false
		}
		// Compare in seconds: multiplying first overflows for huge values.
		if seconds >= int(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(seconds) * time.Second, true
	}
	if date, err := http.ParseTime(value); err == nil {
		return min(max(date.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// maxRetryAfter caps the wait a Retry-After header can ask for, so that a bogus
// value (found by FuzzParseRetryAfter: "9227000000" seconds overflowed into a
// negative delay) cannot stall delivery for years.
const maxRetryAfter = time.Hour
