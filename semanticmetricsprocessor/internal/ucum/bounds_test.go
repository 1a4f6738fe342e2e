package ucum

import (
	"strconv"
	"strings"
	"testing"
)

// The attack shapes of issue 9, in full size and at the edges of each bound.
func TestParseBounds(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("(", n) + "s" + strings.Repeat(")", n) }
	terms := func(term string, n int) string { return strings.TrimSuffix(strings.Repeat(term+".", n), ".") }
	for _, tc := range []struct {
		name, unit, wantErr string
	}{
		{"1.5M parens", nested(1_500_000), "ucum: expression of 3000001 bytes is over the 255-byte bound"},
		{"nesting 33", nested(MaxNesting + 1), "parentheses nested deeper than 32"},
		{"nesting 33 unclosed", strings.Repeat("(", 200), "parentheses nested deeper than 32"},
		{"20,000 terms", terms("Ys32", 20_000), "ucum: expression of 99999 bytes is over the 255-byte bound"},
		{"65 terms", terms("m", MaxTerms+1), "more than 64 terms"},
		{"65 terms of annotations", terms("{}", MaxTerms+1), "more than 64 terms"},
		{"factor over 4096 bits", "Ys32.Ys32", "conversion factor over the 4096-bit bound"},
		{"inverse factor over 4096 bits", "/ys32.ys32", "conversion factor over the 4096-bit bound"},
		{"1,000,000-digit factor", "1" + strings.Repeat("0", 999_999), "ucum: expression of 1000000 bytes is over the 255-byte bound"},
		{"37-digit factor", "1" + strings.Repeat("0", MaxFactorDigits), "factor of 37 digits is over the 36-digit bound"},
		{"exponent 33", "s33", `bad exponent "33": the bound is ±32`},
		{"exponent -33", "s-33", `bad exponent "-33": the bound is ±32`},
		{"exponent past int", "s99999999999999999999999", "the bound is ±32"},
		{"dimension past int8", "m32.m32.m32.m32", "exponent of m out of range"},
		{"dimension past int8 by division", "1/s32/s32/s32/s32/s32", "exponent of s out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.unit)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse: error %v, want it to contain %q", err, tc.wantErr)
			}
			if len(err.Error()) > 4*MaxExpressionBytes+200 {
				t.Fatalf("error of %d bytes: it must not quote a long expression", len(err.Error()))
			}
			if _, err := Factor(tc.unit, "s"); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Factor: error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// Every bound is inclusive, and the largest single-term units stay valid.
func TestParseAtBounds(t *testing.T) {
	for _, unit := range []string{
		strings.Repeat("(", MaxNesting) + "s" + strings.Repeat(")", MaxNesting),
		strings.TrimSuffix(strings.Repeat("m.", MaxTerms), "."),
		"1" + strings.Repeat("0", MaxFactorDigits-1),
		"s32", "s-32", "YN32", "yN-32", "ybit32", "Ys32", "Ys32/Ys32",
		"m32.m32.m32.m31",  // dimension 127
		"/s32/s32/s32/s32", // dimension -128
		strings.Repeat("{", 1) + strings.Repeat("a", MaxExpressionBytes-2) + "}",
	} {
		if _, err := Parse(unit); err != nil {
			t.Errorf("Parse(%.40q…): %v", unit, err)
		}
	}
	u, err := Parse("YN32")
	if err != nil || u.Factor.Num().BitLen() > MaxFactorBits || u.Dim[Mass] != 32 {
		t.Fatalf("YN32: %v %v", u, err)
	}
}

// Refused long input is not cached, and the parse cache keeps to its budget
// whatever it is fed.
func TestCacheBudget(t *testing.T) {
	before, _ := parseCache.usage()
	long := strings.Repeat("(", 100_000)
	for range 10 {
		_, _ = Parse(long)
		_, _ = Factor(long, long)
	}
	if after, _ := parseCache.usage(); after != before {
		t.Fatalf("parse cache grew from %d to %d entries on refused input", before, after)
	}
	// Unique invalid units of the maximal length, each with a long error.
	for i := range 20_000 {
		n := strconv.Itoa(i)
		u := strings.Repeat("x", MaxExpressionBytes-len(n)) + n
		_, _ = Parse(u)
		_, _ = Factor(u, "s")
	}
	entries, bytes := parseCache.usage()
	t.Logf("parse cache: %d entries, %d estimated bytes", entries, bytes)
	if entries > cacheMaxEntries || bytes > cacheMaxBytes {
		t.Errorf("parse cache: %d entries, %d bytes: over the budget (%d, %d)", entries, bytes, cacheMaxEntries, cacheMaxBytes)
	}
	if bytes < cacheMaxBytes/2 {
		t.Errorf("parse cache: %d bytes: the test did not fill it", bytes)
	}
	// Valid units still parse correctly once the cache is full.
	f, err := Factor("ms", "s")
	if err != nil || f.RatString() != "1/1000" {
		t.Fatalf("Factor(ms, s) = %v, %v", f, err)
	}
}
