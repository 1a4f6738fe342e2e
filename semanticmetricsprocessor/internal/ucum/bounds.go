package ucum

// Bounds on what Parse accepts. Units come from telemetry, so every
// expression is hostile: each bound is checked before the work it limits,
// and an expression past one is an error naming the bound, never a crash or
// a long computation. Together they make one parse O(MaxExpressionBytes)
// with rationals of at most MaxFactorBits bits.
//
// Every currently supported single-term unit stays within them: the largest,
// YN32 (10^864) and ybit32 (1/(8·10^24)^32), need under 2,900 bits.
const (
	// MaxExpressionBytes is the longest expression Parse reads. Longer input
	// is refused before parsing and is never cached.
	MaxExpressionBytes = 255
	// MaxNesting is the deepest parenthesis nesting: "(((s)))" is 3.
	MaxNesting = 32
	// MaxTerms is the number of components (atoms, factors, annotations and
	// parenthesized terms) in one expression: "kg.m/s2" has 3.
	MaxTerms = 64
	// MaxExponent is the largest |exponent| of one atom (m32, s-32).
	MaxExponent = 32
	// MaxFactorDigits is the longest integer factor (1000, 1024).
	MaxFactorDigits = 36
	// MaxFactorBits bounds the numerator and the denominator of the
	// conversion factor, and of every intermediate product (≈ 10^±1233).
	MaxFactorBits = 4096
)
