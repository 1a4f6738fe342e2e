package semanticmetricsprocessor

import (
	"strings"
	"unicode"
)

const (
	syntaxPattern = `^[A-Za-z][A-Za-z0-9_./-]{0,254}$`
	formatPattern = `^[a-z][a-z0-9]*([._][a-z0-9]+)*$`
)

// syntaxOK reports whether name matches the OpenTelemetry API syntax
// ^[A-Za-z][A-Za-z0-9_./-]{0,254}$ (what the Go SDK enforces).
func syntaxOK(name string) bool {
	if len(name) == 0 || len(name) > 255 || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '.' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

// formatOK reports whether name matches the semconv format regex
// ^[a-z][a-z0-9]*([._][a-z0-9]+)*$.
func formatOK(name string) bool {
	if len(name) == 0 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	prevDelim := false
	for i := 1; i < len(name); i++ {
		c := name[i]
		switch {
		case (c >= 'a' && c <= 'z') || isDigit(c):
			prevDelim = false
		case c == '.' || c == '_':
			if prevDelim {
				return false
			}
			prevDelim = true
		default:
			return false
		}
	}
	return !prevDelim
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// suggestFormat rewrites a syntactically valid name to the semconv format:
// namespaces are lowercased, the last component is snake_cased, '-', '/'
// become '_', doubled and trailing delimiters are removed.
// MyApp.RequestCount -> myapp.request_count; http-server.latency -> http_server.latency.
func suggestFormat(name string) string {
	segs := strings.Split(name, ".")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		if i == len(segs)-1 {
			s = snake(s)
		} else {
			s = strings.ToLower(s)
		}
		s = strings.Map(func(r rune) rune {
			if r == '-' || r == '/' || r == ' ' {
				return '_'
			}
			return r
		}, s)
		for strings.Contains(s, "__") {
			s = strings.ReplaceAll(s, "__", "_")
		}
		s = strings.Trim(s, "_")
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ".")
}

func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// isUnderscoreOnly reports a Prometheus-style name: '_' separators, no '.'.
func isUnderscoreOnly(name string) bool {
	return strings.IndexByte(name, '.') < 0 && strings.IndexByte(name, '_') >= 0
}

// totalSuffix returns name without a trailing _total / .total.
func totalSuffix(name string) (string, bool) {
	for _, suf := range []string{"_total", ".total"} {
		if len(name) > len(suf) && strings.HasSuffix(name, suf) {
			return name[:len(name)-len(suf)], true
		}
	}
	return name, false
}

// nameUnitWords are unit words that show up as the last token of metric
// names, with the UCUM unit they mean.
var nameUnitWords = map[string]string{
	"seconds": "s", "second": "s", "secs": "s", "sec": "s",
	"milliseconds": "ms", "millisecond": "ms", "millis": "ms", "ms": "ms",
	"microseconds": "us", "micros": "us", "us": "us",
	"nanoseconds": "ns", "nanos": "ns", "ns": "ns",
	"minutes": "min", "hours": "h", "days": "d",
	"bytes": "By", "byte": "By", "kilobytes": "kBy", "megabytes": "MBy", "gigabytes": "GBy",
	"kibibytes": "KiBy", "mebibytes": "MiBy", "gibibytes": "GiBy", "bits": "bit",
	"percent": "%", "percentage": "%", "pct": "%",
	"dollars": "USD", "euros": "EUR", "celsius": "Cel",
}

// unitSuffix returns the last token of name (split on '.' and '_') when it is
// a unit word, the name without it, and the UCUM unit the word means.
func unitSuffix(name string) (word, stripped, unit string, ok bool) {
	i := strings.LastIndexAny(name, "._")
	if i <= 0 || i == len(name)-1 {
		return "", name, "", false
	}
	word = strings.ToLower(name[i+1:])
	unit, ok = nameUnitWords[word]
	if !ok {
		return "", name, "", false
	}
	return word, name[:i], unit, true
}
