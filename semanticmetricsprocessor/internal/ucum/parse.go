package ucum

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// atom is a unit symbol: its factor to the base unit of its dimension.
type atom struct {
	num, den int64 // factor = num/den
	dim      Dimension
	metric   bool // takes prefixes
	affine   bool
}

func dim(pairs ...int) Dimension {
	var d Dimension
	for i := 0; i < len(pairs); i += 2 {
		d[pairs[i]] = int8(pairs[i+1])
	}
	return d
}

// atoms holds the supported UCUM atoms. Mass is based on the gram, as in
// UCUM, so SI-coherent units carry a factor of 1000 (1 N = 1000 g.m.s-2).
var atoms = map[string]atom{
	"1":   {1, 1, Dimension{}, false, false},
	"m":   {1, 1, dim(Length, 1), true, false},
	"g":   {1, 1, dim(Mass, 1), true, false},
	"s":   {1, 1, dim(Time, 1), true, false},
	"A":   {1, 1, dim(Current, 1), true, false},
	"K":   {1, 1, dim(Temperature, 1), true, false},
	"mol": {1, 1, dim(Amount, 1), true, false},
	"cd":  {1, 1, dim(Luminosity, 1), true, false},
	"By":  {1, 1, dim(Information, 1), true, false},
	"bit": {1, 8, dim(Information, 1), true, false},

	// Time. UCUM's "a" is the Julian year (365.25 d); "mo" is left out
	// because calendar months are ambiguous.
	"min": {60, 1, dim(Time, 1), false, false},
	"h":   {3600, 1, dim(Time, 1), false, false},
	"d":   {86400, 1, dim(Time, 1), false, false},
	"wk":  {604800, 1, dim(Time, 1), false, false},
	"a":   {31557600, 1, dim(Time, 1), false, false},
	"Hz":  {1, 1, dim(Time, -1), true, false},

	// Dimensionless. rad is a base unit in UCUM; here it is dimensionless
	// (as in SI), which is enough for validation and keeps Dimension at 8.
	"%":     {1, 100, Dimension{}, false, false},
	"[ppm]": {1, 1000000, Dimension{}, false, false},
	"rad":   {1, 1, Dimension{}, true, false},

	// Derived SI units (kg = 1000 g).
	"N":   {1000, 1, dim(Mass, 1, Length, 1, Time, -2), true, false},
	"Pa":  {1000, 1, dim(Mass, 1, Length, -1, Time, -2), true, false},
	"J":   {1000, 1, dim(Mass, 1, Length, 2, Time, -2), true, false},
	"W":   {1000, 1, dim(Mass, 1, Length, 2, Time, -3), true, false},
	"V":   {1000, 1, dim(Mass, 1, Length, 2, Time, -3, Current, -1), true, false},
	"Ohm": {1000, 1, dim(Mass, 1, Length, 2, Time, -3, Current, -2), true, false},
	"L":   {1, 1000, dim(Length, 3), true, false},
	"l":   {1, 1000, dim(Length, 3), true, false},

	// Degree Celsius: K = Cel + 273.15. Same scale as K, but affine.
	"Cel": {1, 1, dim(Temperature, 1), true, true},
}

type prefix struct{ num, den *big.Int }

func pow(base, exp int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(base), big.NewInt(exp), nil)
}

var one = big.NewInt(1)

var prefixes = map[string]prefix{
	"Y": {pow(10, 24), one}, "Z": {pow(10, 21), one}, "E": {pow(10, 18), one},
	"P": {pow(10, 15), one}, "T": {pow(10, 12), one}, "G": {pow(10, 9), one},
	"M": {pow(10, 6), one}, "k": {pow(10, 3), one}, "h": {pow(10, 2), one},
	"da": {pow(10, 1), one},
	"d":  {one, pow(10, 1)}, "c": {one, pow(10, 2)}, "m": {one, pow(10, 3)},
	"u": {one, pow(10, 6)}, "n": {one, pow(10, 9)}, "p": {one, pow(10, 12)},
	"f": {one, pow(10, 15)}, "a": {one, pow(10, 18)}, "z": {one, pow(10, 21)},
	"y":  {one, pow(10, 24)},
	"Ki": {pow(2, 10), one}, "Mi": {pow(2, 20), one}, "Gi": {pow(2, 30), one},
	"Ti": {pow(2, 40), one},
}

// parser is a recursive-descent parser over UCUM's grammar:
//
//	main      = "/" term | term
//	term      = component { ("." | "/") component }
//	component = annotatable [annotation] | annotation | factor [annotation] | "(" term ")"
//
// Recursion happens only at "(", so MaxNesting bounds the stack; see bounds.go.
type parser struct {
	s     string
	pos   int
	ann   string // first annotation seen
	depth int    // open parentheses
	terms int    // components read so far
}

// unitValue is the intermediate value of a (sub)expression.
type unitValue struct {
	f      *big.Rat
	dim    Dimension
	affine bool
	atoms  int // number of atoms, to refuse Cel inside products
}

func parse(s string) (Unit, error) {
	if s == "" {
		return Unit{Factor: big.NewRat(1, 1)}, nil
	}
	if len(s) > MaxExpressionBytes {
		return Unit{}, errTooLong(len(s))
	}
	p := &parser{s: s}
	var v unitValue
	var err error
	if strings.HasPrefix(s, "/") {
		p.pos = 1
		v, err = p.term()
		if err == nil {
			v, err = p.combine('/', unitValue{f: big.NewRat(1, 1)}, v)
		}
	} else {
		v, err = p.term()
	}
	if err != nil {
		return Unit{}, err
	}
	if p.pos != len(s) {
		return Unit{}, p.errorf("unexpected %q", s[p.pos:p.pos+1])
	}
	if v.affine && v.atoms > 1 {
		return Unit{}, fmt.Errorf("ucum: %q: Cel cannot be combined with other units (it is affine)", s)
	}
	return Unit{Factor: v.f, Dim: v.dim, Annotation: p.ann, Affine: v.affine}, nil
}

// errTooLong does not quote the expression: it may be megabytes long.
func errTooLong(n int) error {
	return fmt.Errorf("ucum: expression of %d bytes is over the %d-byte bound", n, MaxExpressionBytes)
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("ucum: %q at offset %d: %s", p.s, p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) term() (unitValue, error) {
	v, err := p.component()
	if err != nil {
		return v, err
	}
	for p.pos < len(p.s) {
		op := p.s[p.pos]
		if op != '.' && op != '/' {
			break
		}
		p.pos++
		w, err := p.component()
		if err != nil {
			return v, err
		}
		if v, err = p.combine(op, v, w); err != nil {
			return v, err
		}
	}
	return v, nil
}

// combine multiplies ('.') or divides ('/') a by b. Both factors are within
// MaxFactorBits, so the product is cheap to compute; it is refused when it
// is not, or when a dimension exponent leaves int8.
func (p *parser) combine(op byte, a, b unitValue) (unitValue, error) {
	out := unitValue{f: new(big.Rat), affine: a.affine || b.affine, atoms: a.atoms + b.atoms}
	sign := 1
	if op == '/' {
		out.f.Quo(a.f, b.f)
		sign = -1
	} else {
		out.f.Mul(a.f, b.f)
	}
	err := p.checkFactor(out.f)
	if err != nil {
		return out, err
	}
	for i := range out.dim {
		if out.dim[i], err = p.exponent(i, int(a.dim[i])+sign*int(b.dim[i])); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (p *parser) checkFactor(f *big.Rat) error {
	if f.Num().BitLen() > MaxFactorBits || f.Denom().BitLen() > MaxFactorBits {
		return p.errorf("conversion factor over the %d-bit bound", MaxFactorBits)
	}
	return nil
}

func (p *parser) component() (unitValue, error) {
	if p.pos >= len(p.s) {
		return unitValue{}, p.errorf("missing unit after operator")
	}
	if p.terms++; p.terms > MaxTerms {
		return unitValue{}, p.errorf("more than %d terms", MaxTerms)
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		if err := p.annotation(); err != nil {
			return unitValue{}, err
		}
		return unitValue{f: big.NewRat(1, 1)}, nil
	case c == '(':
		if p.depth++; p.depth > MaxNesting {
			return unitValue{}, p.errorf("parentheses nested deeper than %d", MaxNesting)
		}
		p.pos++
		v, err := p.term()
		if err != nil {
			return v, err
		}
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return v, p.errorf("missing ')'")
		}
		p.pos++
		p.depth--
		return v, nil
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		if p.pos-start > MaxFactorDigits {
			return unitValue{}, p.errorf("factor of %d digits is over the %d-digit bound", p.pos-start, MaxFactorDigits)
		}
		n, ok := new(big.Int).SetString(p.s[start:p.pos], 10)
		if !ok || n.Sign() == 0 {
			return unitValue{}, p.errorf("bad factor %q", p.s[start:p.pos])
		}
		if p.pos < len(p.s) && (p.s[p.pos] == '*' || p.s[p.pos] == '^') {
			return unitValue{}, p.errorf("powers of ten (10*n, 10^n) are not supported")
		}
		if err := p.optionalAnnotation(); err != nil {
			return unitValue{}, err
		}
		return unitValue{f: new(big.Rat).SetInt(n)}, nil
	}
	return p.simpleUnit()
}

// simpleUnit parses [prefix]atom[exponent][annotation].
func (p *parser) simpleUnit() (unitValue, error) {
	start := p.pos
	if p.s[p.pos] == '[' { // bracketed atom such as [ppm]
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 {
			return unitValue{}, p.errorf("unterminated '['")
		}
		p.pos += end + 1
	} else {
		for p.pos < len(p.s) && isSymbolChar(p.s[p.pos]) {
			p.pos++
		}
	}
	sym := p.s[start:p.pos]
	if sym == "" {
		return unitValue{}, p.errorf("expected a unit, found %q", p.s[p.pos:p.pos+1])
	}
	a, pre, ok := lookupAtom(sym)
	if !ok {
		p.pos = start
		return unitValue{}, p.errorf("unknown unit %q", sym)
	}
	f := big.NewRat(a.num, a.den)
	if pre != nil {
		f.Mul(f, new(big.Rat).SetFrac(pre.num, pre.den))
	}
	v := unitValue{f: f, dim: a.dim, affine: a.affine, atoms: 1}

	// Exponent: optional sign and digits.
	expStart := p.pos
	if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos > expStart {
		if p.pos == digits {
			return unitValue{}, p.errorf("sign without exponent digits")
		}
		e, err := strconv.Atoi(p.s[expStart:p.pos])
		if err != nil || e < -MaxExponent || e > MaxExponent {
			return unitValue{}, p.errorf("bad exponent %q: the bound is ±%d", p.s[expStart:p.pos], MaxExponent)
		}
		if v.affine && e != 1 {
			return unitValue{}, p.errorf("Cel cannot take an exponent (it is affine)")
		}
		if v, err = p.power(v, e); err != nil {
			return unitValue{}, err
		}
	}
	if err := p.optionalAnnotation(); err != nil {
		return unitValue{}, err
	}
	return v, nil
}

// power raises a simple unit to e, |e| <= MaxExponent. num^|e| / den^|e| is
// already in lowest terms, like num/den.
func (p *parser) power(v unitValue, e int) (unitValue, error) {
	out := unitValue{affine: v.affine, atoms: v.atoms}
	n := big.NewInt(int64(abs(e)))
	num, den := new(big.Int).Exp(v.f.Num(), n, nil), new(big.Int).Exp(v.f.Denom(), n, nil)
	if e < 0 {
		num, den = den, num
	}
	out.f = new(big.Rat).SetFrac(num, den)
	err := p.checkFactor(out.f)
	if err != nil {
		return out, err
	}
	for i := range out.dim {
		if out.dim[i], err = p.exponent(i, int(v.dim[i])*e); err != nil {
			return out, err
		}
	}
	return out, nil
}

// exponent refuses a dimension exponent that Dimension cannot hold.
func (p *parser) exponent(i, d int) (int8, error) {
	if d < math.MinInt8 || d > math.MaxInt8 {
		return 0, p.errorf("exponent of %s out of range", dimSymbols[i])
	}
	return int8(d), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// isSymbolChar: letters and '%' form symbols; digits are exponents and
// '.', '/', '{', '(' are operators.
func isSymbolChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '%' || c == '_'
}

// lookupAtom resolves a symbol: the whole symbol as an atom first (so "cd"
// is candela, "Pa" pascal, "min" minute), then a prefix of two or one
// characters followed by a metric atom ("dam", "KiBy", "ms").
func lookupAtom(sym string) (atom, *prefix, bool) {
	if a, ok := atoms[sym]; ok {
		return a, nil, true
	}
	for _, n := range []int{2, 1} {
		if len(sym) <= n {
			continue
		}
		pre, ok := prefixes[sym[:n]]
		if !ok {
			continue
		}
		if a, ok := atoms[sym[n:]]; ok && a.metric {
			return a, &pre, true
		}
	}
	return atom{}, nil, false
}

func (p *parser) optionalAnnotation() error {
	if p.pos < len(p.s) && p.s[p.pos] == '{' {
		return p.annotation()
	}
	return nil
}

// annotation parses {text}: printable ASCII other than braces.
func (p *parser) annotation() error {
	start := p.pos
	p.pos++
	for p.pos < len(p.s) && p.s[p.pos] != '}' {
		c := p.s[p.pos]
		if c == '{' || c < 0x20 || c > 0x7e {
			return p.errorf("invalid character %q in annotation", c)
		}
		p.pos++
	}
	if p.pos >= len(p.s) {
		p.pos = start
		return p.errorf("unterminated '{'")
	}
	p.pos++
	if p.ann == "" {
		p.ann = p.s[start+1 : p.pos-1]
	}
	return nil
}
