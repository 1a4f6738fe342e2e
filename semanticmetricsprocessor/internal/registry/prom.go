package registry

import (
	"slices"
	"strings"
)

// Prometheus reverse index. The OTLP -> Prometheus translation below follows
// github.com/prometheus/otlptranslator (MetricNamer with suffixes, underscore
// escaping): tokens split on anything outside [a-zA-Z0-9:], a unit suffix
// from the main unit and "per_<unit>" from the part after '/', annotations
// ({packet}) dropped, "_total" for monotonic counters and "_ratio" for gauges
// of unit "1". It is reimplemented here (a few lines) rather than imported,
// to keep the module graph unchanged.

var promUnit = map[string]string{
	"d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
	"us": "microseconds", "ns": "nanoseconds",
	"By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
	"KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
	"m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
	"Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
}

var promPerUnit = map[string]string{
	"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
}

// PrometheusName returns the name the Prometheus OTLP translator (with
// suffixes, underscore escaping) gives a metric. InstrumentUnknown gets no
// type suffix. Useful to find two names that collide once translated.
func PrometheusName(name, unit string, inst Instrument) string {
	tokens := strings.FieldsFunc(name, func(r rune) bool { return !promChar(r) })
	mainU, perU := promUnitSuffixes(unit)
	if mainU != "" && !slices.Contains(tokens, mainU) {
		tokens = append(tokens, mainU)
	}
	if perU != "" && !slices.Contains(tokens, perU) {
		tokens = append(tokens, perU)
	}
	if inst == Counter {
		tokens = append(slices.DeleteFunc(tokens, isWord("total")), "total")
	}
	if unit == "1" && inst == Gauge {
		tokens = append(slices.DeleteFunc(tokens, isWord("ratio")), "ratio")
	}
	out := strings.Join(tokens, "_")
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}

func promUnitSuffixes(unit string) (mainU, perU string) {
	main, per, hasPer := strings.Cut(unit, "/")
	if main = strings.TrimSpace(main); main != "" && !strings.ContainsAny(main, "{}") {
		if u, ok := promUnit[main]; ok {
			mainU = u
		} else {
			mainU = main
		}
		mainU = cleanPromUnit(mainU)
	}
	if per = strings.TrimSpace(per); hasPer && per != "" && !strings.ContainsAny(per, "{}") {
		if u, ok := promPerUnit[per]; ok {
			per = u
		}
		if per = cleanPromUnit(per); per != "" {
			perU = "per_" + per
		}
	}
	return mainU, perU
}

// cleanPromUnit maps invalid characters to '_', collapses runs of '_' and
// trims them at both ends.
func cleanPromUnit(s string) string {
	s = strings.Map(func(r rune) rune {
		if promChar(r) {
			return r
		}
		return '_'
	}, s)
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return strings.Trim(s, "_")
}

// isWord matches the token w, for slices.DeleteFunc.
func isWord(w string) func(string) bool { return func(t string) bool { return t == w } }

func promChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':'
}

// promKeys returns the keys under which e is indexed: first the exact
// translation, then robustness variants (no unit suffix, no _total, neither,
// and the UTF-8 form that keeps the dots).
func promKeys(e Entry) (exact string, variants []string) {
	exact = PrometheusName(e.Name, e.Unit, e.Instrument)
	noType := e.Instrument
	if noType == Counter {
		noType = InstrumentUnknown
	}
	variants = []string{
		PrometheusName(e.Name, "", e.Instrument), // unit suffix missing
		PrometheusName(e.Name, e.Unit, noType),   // _total missing
		PrometheusName(e.Name, "", noType),       // both missing: plain underscored name
	}
	if suffix, ok := strings.CutPrefix(exact, PrometheusName(e.Name, "", InstrumentUnknown)); ok {
		variants = append(variants, e.Name+suffix) // UTF-8 translation keeps the dots
	}
	return exact, variants
}

// buildPrometheusIndex indexes every active, non-canonical entry. An exact
// translation wins over a variant; two entries claiming the same key at the
// same level make it ambiguous, and ambiguous keys are left out (a wrong
// guess would rename data to the wrong metric). Canonical names are not
// indexed: Obtrace's SDKs send their own spellings (web_vital_cls), which are
// canonical entries of their own and must never be renamed to another one.
func buildPrometheusIndex(all []Entry) map[string]Entry {
	type claim struct {
		e         Entry
		level     int // 0 exact, 1 variant
		ambiguous bool
	}
	claims := map[string]*claim{}
	add := func(key string, e Entry, level int) {
		c, ok := claims[key]
		switch {
		case !ok || level < c.level:
			claims[key] = &claim{e: e, level: level}
		case level == c.level && c.e.Name != e.Name:
			c.ambiguous = true
		}
	}
	for _, e := range all {
		if e.Deprecated || e.Canonical {
			continue
		}
		exact, variants := promKeys(e)
		add(exact, e, 0)
		for _, v := range variants {
			add(v, e, 1)
		}
	}
	idx := make(map[string]Entry, len(claims))
	for k, c := range claims {
		if !c.ambiguous {
			idx[k] = c.e
		}
	}
	return idx
}

// buildDeprecatedPrometheusIndex indexes the exact Prometheus translation of
// every deprecated entry whose legacy unit and instrument are known
// (http.server.duration, ms, histogram -> http_server_duration_milliseconds):
// old instrumentation behind a Prometheus exporter. Only exact translations,
// and only keys no active entry claims (LookupPrometheus wins); a key two
// deprecated entries claim is left out.
func buildDeprecatedPrometheusIndex(all []Entry, active map[string]Entry) map[string]Entry {
	idx := map[string]Entry{}
	ambiguous := map[string]bool{}
	for _, e := range all {
		if !e.Deprecated || e.Unit == "" || e.Instrument == InstrumentUnknown {
			continue
		}
		key := PrometheusName(e.Name, e.Unit, e.Instrument)
		if _, taken := active[key]; taken || key == e.Name {
			continue
		}
		if other, ok := idx[key]; ok && other.Name != e.Name {
			ambiguous[key] = true
		}
		idx[key] = e
	}
	for k := range ambiguous {
		delete(idx, k)
	}
	return idx
}

// prometheusAmbiguous lists the keys left out of the index because two
// entries claim them at the same level (for tests and diagnostics).
func prometheusAmbiguous() []string {
	var out []string
	seen := map[string]string{}
	for _, e := range entries {
		if e.Deprecated || e.Canonical {
			continue
		}
		exact, _ := promKeys(e)
		if other, ok := seen[exact]; ok && other != e.Name {
			out = append(out, exact+": "+other+", "+e.Name)
		}
		seen[exact] = e.Name
	}
	return out
}
