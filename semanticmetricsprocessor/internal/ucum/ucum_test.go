package ucum

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	cases := []struct {
		unit string
		num  int64
		den  int64
		dim  Dimension
		ann  string
	}{
		{"", 1, 1, Dimension{}, ""},
		{"1", 1, 1, Dimension{}, ""},
		{"s", 1, 1, dim(Time, 1), ""},
		{"ms", 1, 1000, dim(Time, 1), ""},
		{"us", 1, 1000000, dim(Time, 1), ""},
		{"ns", 1, 1000000000, dim(Time, 1), ""},
		{"min", 60, 1, dim(Time, 1), ""},
		{"h", 3600, 1, dim(Time, 1), ""},
		{"d", 86400, 1, dim(Time, 1), ""},
		{"wk", 604800, 1, dim(Time, 1), ""},
		{"a", 31557600, 1, dim(Time, 1), ""},
		{"By", 1, 1, dim(Information, 1), ""},
		{"bit", 1, 8, dim(Information, 1), ""},
		{"kbit", 125, 1, dim(Information, 1), ""},
		{"kBy", 1000, 1, dim(Information, 1), ""},
		{"MBy", 1000000, 1, dim(Information, 1), ""},
		{"KiBy", 1024, 1, dim(Information, 1), ""},
		{"MiBy", 1 << 20, 1, dim(Information, 1), ""},
		{"GiBy", 1 << 30, 1, dim(Information, 1), ""},
		{"TiBy", 1 << 40, 1, dim(Information, 1), ""},
		{"By/s", 1, 1, dim(Information, 1, Time, -1), ""},
		{"kBy/s", 1000, 1, dim(Information, 1, Time, -1), ""},
		{"1/s", 1, 1, dim(Time, -1), ""},
		{"/s", 1, 1, dim(Time, -1), ""},
		{"s-1", 1, 1, dim(Time, -1), ""},
		{"Hz", 1, 1, dim(Time, -1), ""},
		{"kHz", 1000, 1, dim(Time, -1), ""},
		{"m2", 1, 1, dim(Length, 2), ""},
		{"cm2", 1, 10000, dim(Length, 2), ""},
		{"m+2", 1, 1, dim(Length, 2), ""},
		{"m/s/s", 1, 1, dim(Length, 1, Time, -2), ""},
		{"m.s-2", 1, 1, dim(Length, 1, Time, -2), ""},
		{"kg.m/s2", 1000, 1, dim(Mass, 1, Length, 1, Time, -2), ""},
		{"N", 1000, 1, dim(Mass, 1, Length, 1, Time, -2), ""},
		{"J", 1000, 1, dim(Mass, 1, Length, 2, Time, -2), ""},
		{"W", 1000, 1, dim(Mass, 1, Length, 2, Time, -3), ""},
		{"mW", 1, 1, dim(Mass, 1, Length, 2, Time, -3), ""},
		{"V", 1000, 1, dim(Mass, 1, Length, 2, Time, -3, Current, -1), ""},
		{"Ohm", 1000, 1, dim(Mass, 1, Length, 2, Time, -3, Current, -2), ""},
		{"kPa", 1000000, 1, dim(Mass, 1, Length, -1, Time, -2), ""},
		{"hPa", 100000, 1, dim(Mass, 1, Length, -1, Time, -2), ""},
		{"dam", 10, 1, dim(Length, 1), ""},
		{"cd", 1, 1, dim(Luminosity, 1), ""},
		{"mol", 1, 1, dim(Amount, 1), ""},
		{"K", 1, 1, dim(Temperature, 1), ""},
		{"mA", 1, 1000, dim(Current, 1), ""},
		{"L", 1, 1000, dim(Length, 3), ""},
		{"%", 1, 100, Dimension{}, ""},
		{"[ppm]", 1, 1000000, Dimension{}, ""},
		{"rad", 1, 1, Dimension{}, ""},
		{"{request}", 1, 1, Dimension{}, "request"},
		{"1{packet}", 1, 1, Dimension{}, "packet"},
		{"{packet}/s", 1, 1, dim(Time, -1), "packet"},
		{"By{compressed}", 1, 1, dim(Information, 1), "compressed"},
		{"{Hz}", 1, 1, Dimension{}, "Hz"},
		{"{}", 1, 1, Dimension{}, ""},
		{"(m/s)", 1, 1, dim(Length, 1, Time, -1), ""},
		{"kg/(m.s2)", 1000, 1, dim(Mass, 1, Length, -1, Time, -2), ""},
		{"1000/s", 1000, 1, dim(Time, -1), ""},
	}
	for _, c := range cases {
		u, err := Parse(c.unit)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.unit, err)
			continue
		}
		if u.Factor.Cmp(big.NewRat(c.num, c.den)) != 0 || u.Dim != c.dim || u.Annotation != c.ann {
			t.Errorf("Parse(%q) = %s %s {%s}; want %d/%d %s {%s}", c.unit, u.Factor, u.Dim, u.Annotation, c.num, c.den, c.dim, c.ann)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for unit, wantInErr := range map[string]string{
		"rpm":          `unknown unit "rpm"`,
		"KBy":          `unknown unit "KBy"`, // K is kelvin, not a prefix
		"seconds":      `unknown unit "seconds"`,
		"S":            `unknown unit "S"`, // case-sensitive: siemens is not supported, seconds is "s"
		"MS":           `unknown unit "MS"`,
		"B":            `unknown unit "B"`,
		"kmin":         `unknown unit "kmin"`, // min takes no prefix
		"{request":     "unterminated '{'",
		"m/":           "missing unit after operator",
		"m..s":         `expected a unit, found "."`,
		"(m/s)2":       `unexpected "2"`, // UCUM: exponents apply to simple units only
		"(m/s":         "missing ')'",
		"m)":           `unexpected ")"`,
		"/":            "missing unit after operator",
		"s-":           "sign without exponent digits",
		"10*3":         "powers of ten",
		"[ppm":         "unterminated '['",
		"Cel.s":        "affine",
		"Cel2":         "affine",
		"mo":           `unknown unit "mo"`,
		"{req\x01}":    "invalid character",
		"m s":          `unexpected " "`,
		" s":           `expected a unit, found " "`,
		"0":            "bad factor",
		"1{packet}}":   `unexpected "}"`,
		"By/{packet":   "unterminated '{'",
		"[unknownatm]": `unknown unit "[unknownatm]"`,
	} {
		_, err := Parse(unit)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", unit, wantInErr)
			continue
		}
		if !strings.Contains(err.Error(), wantInErr) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", unit, err, wantInErr)
		}
	}
}

func TestFactor(t *testing.T) {
	for _, c := range []struct {
		from, to string
		num, den int64
	}{
		{"ms", "s", 1, 1000},
		{"s", "ms", 1000, 1},
		{"us", "s", 1, 1000000},
		{"ns", "ms", 1, 1000000},
		{"KiBy", "By", 1024, 1},
		{"MiBy", "KiBy", 1024, 1},
		{"kBy", "By", 1000, 1},
		{"%", "1", 1, 100},
		{"1", "%", 100, 1},
		{"min", "s", 60, 1},
		{"h", "min", 60, 1},
		{"a", "d", 1461, 4},
		{"By/s", "kBy/s", 1, 1000},
		{"bit/s", "By/s", 1, 8},
		{"{request}", "1", 1, 1},
		{"{requests}", "{request}", 1, 1},
		{"", "1", 1, 1},
		{"{packet}/s", "1/s", 1, 1},
		{"Hz", "1/s", 1, 1},
		{"Hz", "/min", 60, 1},
		{"W", "J/s", 1, 1},
		{"mV", "V", 1, 1000},
		{"Cel", "Cel", 1, 1},
		{"K", "mK", 1000, 1},
	} {
		f, err := Factor(c.from, c.to)
		if err != nil {
			t.Errorf("Factor(%q, %q): %v", c.from, c.to, err)
			continue
		}
		if f.Cmp(big.NewRat(c.num, c.den)) != 0 {
			t.Errorf("Factor(%q, %q) = %s, want %d/%d", c.from, c.to, f, c.num, c.den)
		}
	}
}

func TestFactorErrors(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"s", "By", `"s" (dimension s) to "By" (dimension By): dimensions differ`},
		{"By/s", "By", "dimension By.s-1"},
		{"1", "s", "dimension 1"},
		{"Cel", "K", "affine"},
		{"K", "Cel", "affine"},
		{"rpm", "1/min", `unknown unit "rpm"`},
		{"s", "seconds", `unknown unit "seconds"`},
	} {
		_, err := Factor(c.from, c.to)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Factor(%q, %q) error %v, want it to contain %q", c.from, c.to, err, c.want)
		}
	}
}

// Factor hands out copies: a caller changing the result must not change the cache.
func TestFactorResultIsACopy(t *testing.T) {
	f, _ := Factor("ms", "s")
	f.SetInt64(42)
	g, _ := Factor("ms", "s")
	if g.Cmp(big.NewRat(1, 1000)) != 0 {
		t.Fatalf("cache corrupted: %s", g)
	}
	u, _ := Parse("ms")
	u.Factor.SetInt64(7)
	if v, _ := Parse("ms"); v.Factor.Cmp(big.NewRat(1, 1000)) != 0 {
		t.Fatalf("parse cache corrupted: %s", v.Factor)
	}
}

func TestFromWord(t *testing.T) {
	for word, want := range map[string]string{
		"milliseconds": "ms", "millisecond": "ms", "msec": "ms", "ms": "ms", "MS": "ms",
		"seconds": "s", "second": "s", "sec": "s", "secs": "s", "Seconds": "s",
		"microseconds": "us", "µs": "us", "nanoseconds": "ns",
		"minutes": "min", "hours": "h",
		"bytes": "By", "byte": "By", "Bytes": "By", "B": "By", "By": "By",
		"kilobytes": "kBy", "KBy": "kBy", "KiB": "KiBy", "kibibytes": "KiBy", "MiB": "MiBy",
		"percent": "%", "percentage": "%", "pct": "%", "%": "%",
		"ratio": "1", "count": "1",
		"requests": "{request}", "switches": "{switch}", "packets": "{packet}", "errors": "{error}",
		"connections": "{connection}", "processes": "{process}", "entries": "{entry}", "boxes": "{box}",
		"log_records": "{log_record}", "{requests}": "{request}", "{request}": "{request}",
		"caches": "{cache}", "statuses": "{status}",
	} {
		got, ok := FromWord(word)
		if !ok || got != want {
			t.Errorf("FromWord(%q) = %q, %v; want %q", word, got, ok, want)
		}
		if _, err := Parse(got); err != nil {
			t.Errorf("FromWord(%q) = %q does not parse: %v", word, got, err)
		}
	}
	for _, word := range []string{"KB", "MB", "GB", "kb", "b", "month", "", "request", "rpm", "status", "widget"} {
		if got, ok := FromWord(word); ok {
			t.Errorf("FromWord(%q) = %q, want not ok", word, got)
		}
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{
		"requests": "request", "switches": "switch", "hashes": "hash", "processes": "process",
		"boxes": "box", "buzzes": "buzz", "entries": "entry", "retries": "retry",
		"process": "process", "status": "status", "analysis": "analysis", "bus": "bus",
		"log_records": "log_record", "{requests}": "{request}", "request": "request",
		"Hz": "Hz", "gc_cycles": "gc_cycle", "sizes": "size", "s": "s", "": "",
		"caches": "cache", "cookies": "cookie", "series": "series", "responses": "response",
	} {
		if got := Singular(in); got != want {
			t.Errorf("Singular(%q) = %q, want %q", in, got, want)
		}
	}
}
