// Package ucum is the small subset of UCUM (the Unified Code for Units of
// Measure) the processor needs: atoms, metric and binary prefixes, curly
// annotations, '.' and '/' and integer exponents, dimension vectors and
// exact rational conversion factors. No maintained Go UCUM library exists.
//
// Supported (case-sensitive, c/s form):
//   - base atoms m, g, s, A, K, mol, cd, By (information), and 1;
//   - other atoms: bit (1/8 By), min, h, d, wk, a (Julian year, 365.25 d), Hz,
//     %, [ppm], rad (dimensionless here), N, Pa, J, W, V, Ohm, L/l, and Cel
//     (affine: Factor refuses it, see below);
//   - metric prefixes Y Z E P T G M k h da d c m u n p f a z y on metric atoms,
//     binary prefixes Ki Mi Gi Ti on metric atoms (in practice By and bit);
//   - integer exponents (m2, s-1, m+2), products '.', divisions '/' (left to
//     right, a leading '/' means 1/x), parentheses, positive integer factors
//     (1, 1000), and curly annotations ({request}, By{compressed}, 1{packet}).
//
// Not supported on purpose: mo (month) and other ambiguous calendar atoms,
// deg (its factor to rad is irrational), 10* and 10^ powers, special units
// other than Cel. "rpm" is not UCUM and does not parse.
//
// Every expression is bounded in length, nesting, terms, exponents and
// factor size (bounds.go), and the parse cache in entries and bytes (cache.go):
// units come from telemetry.
package ucum

import (
	"fmt"
	"math/big"
	"strings"
)

// Unit is a parsed UCUM expression.
type Unit struct {
	// Factor converts a value in this unit to the coherent base unit of its
	// dimension (e.g. ms -> 1/1000, min -> 60, % -> 1/100).
	Factor *big.Rat
	// Dim is the exponent of each base dimension (length, mass, time,
	// current, temperature, amount, luminosity, information).
	Dim Dimension
	// Annotation is the curly annotation, without braces, "" when none. When
	// an expression has several ({packet}/{second}), it is the first one.
	Annotation string
	// Affine is true when the unit has an offset from its base unit (Cel:
	// K = Cel + 273.15), so no pure factor converts it; Factor is then the
	// factor of the scale only.
	Affine bool
}

// Dimension is a vector of base-dimension exponents.
type Dimension [8]int8

// Indexes into Dimension.
const (
	Length = iota
	Mass
	Time
	Current
	Temperature
	Amount
	Luminosity
	Information
)

var dimSymbols = [8]string{"m", "g", "s", "A", "K", "mol", "cd", "By"}

// String writes the dimension in terms of base units, positive exponents
// first, e.g. "By.s-1"; "1" when dimensionless.
func (d Dimension) String() string {
	var pos, neg []string
	for i, e := range d {
		switch {
		case e == 1:
			pos = append(pos, dimSymbols[i])
		case e > 1:
			pos = append(pos, fmt.Sprintf("%s%d", dimSymbols[i], e))
		case e < 0:
			neg = append(neg, fmt.Sprintf("%s%d", dimSymbols[i], e))
		}
	}
	if len(pos)+len(neg) == 0 {
		return "1"
	}
	return strings.Join(append(pos, neg...), ".")
}

// parsed is the cached, immutable form of a unit; Parse hands out copies.
type parsed struct {
	u   Unit
	err error
}

func (p parsed) bytes() int { return unitBytes(p.u) + errBytes(p.err) }

var parseCache fillOnceCache // string -> parsed

// Parse parses a case-sensitive UCUM unit expression. "" and "1" are
// dimensionless. Expressions past a bound (bounds.go) are errors that name
// it; one longer than MaxExpressionBytes is refused before any other work.
func Parse(s string) (Unit, error) {
	if len(s) > MaxExpressionBytes {
		return Unit{}, errTooLong(len(s))
	}
	if v, ok := parseCache.load(s); ok {
		p := v.(parsed)
		return p.u.clone(), p.err
	}
	u, err := parse(s)
	p := parsed{u: u, err: err}
	parseCache.store(strings.Clone(s), p, len(s)+p.bytes()) // s may point into a request
	return u.clone(), err
}

func unitBytes(u Unit) int {
	n := len(u.Annotation)
	if u.Factor != nil {
		n += (u.Factor.Num().BitLen() + u.Factor.Denom().BitLen()) / 8
	}
	return n
}

func errBytes(err error) int {
	if err == nil {
		return 0
	}
	return len(err.Error())
}

func (u Unit) clone() Unit {
	if u.Factor != nil {
		u.Factor = new(big.Rat).Set(u.Factor)
	}
	return u
}

// Factor returns the exact factor a such that a value v in unit from equals
// a*v in unit to. It fails when either unit does not parse or the
// dimensions differ. Annotations do not change the factor ({request} == 1).
// An affine unit (Cel) converts only to itself: Cel -> K needs an offset.
func Factor(from, to string) (*big.Rat, error) {
	fu, err := Parse(from)
	if err != nil {
		return nil, err
	}
	tu, err := Parse(to)
	if err != nil {
		return nil, err
	}
	if fu.Dim != tu.Dim {
		return nil, fmt.Errorf("ucum: cannot convert %q (dimension %s) to %q (dimension %s): dimensions differ",
			from, fu.Dim, to, tu.Dim)
	}
	if (fu.Affine || tu.Affine) && from != to {
		return nil, fmt.Errorf("ucum: cannot convert %q to %q by a factor: the conversion is affine (has an offset)", from, to)
	}
	return fu.Factor.Quo(fu.Factor, tu.Factor), nil // fu is Parse's copy
}
