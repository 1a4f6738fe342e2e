package ucum

import "strings"

// wordUnits maps free-form unit words (lowercased) to UCUM. Only words with
// one reading are here; see ambiguousWords.
var wordUnits = map[string]string{
	"ns": "ns", "nsec": "ns", "nanos": "ns", "nanosecond": "ns", "nanoseconds": "ns",
	"us": "us", "µs": "us", "μs": "us", "usec": "us", "micros": "us", "microsecond": "us", "microseconds": "us",
	"ms": "ms", "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
	"s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
	"min": "min", "mins": "min", "minute": "min", "minutes": "min",
	"h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
	"d": "d", "day": "d", "days": "d",
	"wk": "wk", "week": "wk", "weeks": "wk",
	"a": "a", "yr": "a", "year": "a", "years": "a",

	"by": "By", "byte": "By", "bytes": "By",
	"bit": "bit", "bits": "bit",
	"kby": "kBy", "kilobyte": "kBy", "kilobytes": "kBy",
	"mby": "MBy", "megabyte": "MBy", "megabytes": "MBy",
	"gby": "GBy", "gigabyte": "GBy", "gigabytes": "GBy",
	"tby": "TBy", "terabyte": "TBy", "terabytes": "TBy",
	"kib": "KiBy", "kiby": "KiBy", "kibibyte": "KiBy", "kibibytes": "KiBy",
	"mib": "MiBy", "miby": "MiBy", "mebibyte": "MiBy", "mebibytes": "MiBy",
	"gib": "GiBy", "giby": "GiBy", "gibibyte": "GiBy", "gibibytes": "GiBy",
	"tib": "TiBy", "tiby": "TiBy", "tebibyte": "TiBy", "tebibytes": "TiBy",

	"%": "%", "percent": "%", "percentage": "%", "pct": "%",
	"1": "1", "ratio": "1", "fraction": "1",
	// A bare "count" is what the SDKs mean by "1 for counts"; a named count
	// ("requests") becomes an annotation below.
	"count": "1", "counts": "1",

	"hz": "Hz", "hertz": "Hz",
	"cel": "Cel", "celsius": "Cel", "°c": "Cel",
	"kelvin": "K",
	"w":      "W", "watt": "W", "watts": "W",
	"j": "J", "joule": "J", "joules": "J",
	"v": "V", "volt": "V", "volts": "V",
	"amp": "A", "amps": "A", "ampere": "A", "amperes": "A",
	"meter": "m", "meters": "m", "metre": "m", "metres": "m",
	"gram": "g", "grams": "g",
}

// ambiguousWords have more than one reading: KB/MB/GB/TB (1000 or 1024),
// b (bit or byte), m (metre or minute in free text), mo (month length).
var ambiguousWords = map[string]bool{
	"kb": true, "mb": true, "gb": true, "tb": true, "b": true, "m": true, "mo": true, "month": true, "months": true,
}

// FromWord maps a free-form unit word (case-insensitive, singular or plural:
// "milliseconds", "seconds", "bytes", "percent", "switches", "Bytes", "B",
// "KBy") to the UCUM unit it means ("ms", "s", "By", "%", "{switch}", "By",
// "By", "kBy"). ok is false when the word is unknown or ambiguous ("KB").
//
// Counted things: a plural noun ("requests", "log_records") or an annotation
// ("{requests}") becomes a singular annotation ("{request}"). A singular
// unknown word is not guessed at (it may be a misspelt unit).
func FromWord(word string) (unit string, ok bool) {
	w := strings.TrimSpace(word)
	switch w {
	case "B": // capital B alone is the usual byte abbreviation
		return "By", true
	case "":
		return "", false
	}
	if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") && len(w) > 2 {
		return "{" + Singular(w[1:len(w)-1]) + "}", true
	}
	lw := strings.ToLower(w)
	if ambiguousWords[lw] {
		return "", false
	}
	if u, ok := wordUnits[lw]; ok {
		return u, true
	}
	if isNoun(lw) {
		if s := Singular(lw); s != lw {
			return "{" + s + "}", true
		}
	}
	return "", false
}

func isNoun(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if lowerDigitOrUnderscore := c >= 'a' && c <= 'z' || c == '_' || c >= '0' && c <= '9'; !lowerDigitOrUnderscore {
			return false
		}
	}
	return true
}

// irregular plurals (and words that the suffix rules would break).
var irregular = map[string]string{
	"caches": "cache", "cookies": "cookie", "movies": "movie", "children": "child", "people": "person",
	"indices": "index", "matrices": "matrix", "statuses": "status", "aliases": "alias", "buses": "bus",
	"series": "series", "species": "species", "data": "data", "metadata": "metadata",
	"analyses": "analysis", "responses": "response", "databases": "database", "releases": "release",
	"leases": "lease", "cases": "case", "phases": "phase", "uses": "use", "causes": "cause",
}

// Singular returns the singular form of an annotation for rule
// unit.annotation_plural: "{requests}" should be "{request}". Braces, if
// given, are kept. Only the last '_'- or '.'-separated word changes
// ("log_records" -> "log_record"). Rules: -ches, -shes, -sses, -xes, -zzes
// drop "es"; -ies becomes -y; words ending in -ss, -us, -is stay; otherwise a
// final -s is dropped. Case is kept.
func Singular(annotation string) string {
	if strings.HasPrefix(annotation, "{") && strings.HasSuffix(annotation, "}") && len(annotation) >= 2 {
		return "{" + Singular(annotation[1:len(annotation)-1]) + "}"
	}
	cut := strings.LastIndexAny(annotation, "_.")
	head, last := annotation[:cut+1], annotation[cut+1:]
	return head + singularWord(last)
}

func singularWord(w string) string {
	lw := strings.ToLower(w)
	if s, ok := irregular[w]; ok { // lowercase words only
		return s
	}
	switch {
	case len(w) < 3:
		return w
	case hasSuffixes(lw, "ches", "shes", "sses", "xes", "zzes"):
		return w[:len(w)-2]
	case strings.HasSuffix(lw, "ies"):
		return w[:len(w)-3] + "y"
	case hasSuffixes(lw, "ss", "us", "is"):
		return w
	case strings.HasSuffix(lw, "s"):
		return w[:len(w)-1]
	}
	return w
}

func hasSuffixes(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
