package ucum

import (
	"math/big"
	"testing"
)

// FuzzParse: no expression crashes or stalls the parser; an accepted one is
// within the bounds, parses the same from the cache, and converts to itself
// by 1; an error never quotes more than the bounded expression.
// testdata/fuzz/FuzzParse holds the attack shapes of issue 9 in small form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "1", "s", "ms", "By/s", "kg.m/s2", "/s", "{request}", "1{packet}", "%", "[ppm]", "Cel", "m+2", "(m/s)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		again, err2 := Parse(s)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Parse(%q): %v, then %v", s, err, err2)
		}
		if err != nil {
			if len(err.Error()) > 4*MaxExpressionBytes+200 {
				t.Fatalf("Parse: error of %d bytes", len(err.Error()))
			}
			return
		}
		if len(s) > MaxExpressionBytes {
			t.Fatalf("Parse accepted %d bytes", len(s))
		}
		if u.Factor == nil || u.Factor.Sign() <= 0 || u.Factor.Num().BitLen() > MaxFactorBits || u.Factor.Denom().BitLen() > MaxFactorBits {
			t.Fatalf("Parse(%q): factor %v out of bounds", s, u.Factor)
		}
		if again.Factor.Cmp(u.Factor) != 0 || again.Dim != u.Dim || again.Annotation != u.Annotation || again.Affine != u.Affine {
			t.Fatalf("Parse(%q) = %+v, then %+v", s, u, again)
		}
		f, err := Factor(s, s)
		if err != nil || f.Cmp(big.NewRat(1, 1)) != 0 {
			t.Fatalf("Factor(%q, %q) = %v, %v", s, s, f, err)
		}
	})
}
