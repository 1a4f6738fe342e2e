package semanticmetricsprocessor

import (
	"math/big"
	"strings"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// iso4217 holds the active ISO 4217 currency codes. Obtrace's SDK documents
// "a currency code" as a valid unit; UCUM has no currencies, so codes are
// accepted as units of their own (equal only to themselves).
var iso4217 = func() map[string]bool {
	const codes = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD " +
		"CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD " +
		"HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD " +
		"MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG " +
		"QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD " +
		"TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"
	m := map[string]bool{}
	for c := range strings.FieldsSeq(codes) {
		m[c] = true
	}
	return m
}()

func isCurrency(u string) bool { return iso4217[u] }

// validUnit reports whether u is empty, parses as UCUM, or is a currency code.
func validUnit(u string) bool {
	if u == "" || isCurrency(u) {
		return true
	}
	_, err := ucum.Parse(u)
	return err == nil
}

// unitRelation classifies how a value in unit src relates to unit dst.
type unitRelation uint8

const (
	relSame         unitRelation = iota
	relAnnotation                // both dimensionless with factor 1: metadata-only fix
	relConvertible               // same dimension, exact factor
	relIncompatible              // different dimension, unparsable, or affine (Cel)
)

// relateUnits compares two valid (or registry-given) units.
func relateUnits(src, dst string) (unitRelation, *big.Rat) {
	if src == dst {
		return relSame, nil
	}
	if isCurrency(src) || isCurrency(dst) {
		return relIncompatible, nil
	}
	// Factor refuses unparsable units, different dimensions and affine
	// conversions (Cel to K needs an offset).
	f, err := ucum.Factor(src, dst)
	if err != nil || f.Sign() <= 0 {
		return relIncompatible, nil
	}
	if f.Cmp(ratOne) == 0 {
		return relAnnotation, nil
	}
	return relConvertible, f
}

var ratOne = big.NewRat(1, 1)

// curlyFix checks a unit made of one curly annotation (U5): a leading 1
// (1{packet}) or a plural word ({switches}, singular from ucum.FromWord).
// rule is "" when neither applies; otherwise ok reports whether fixed is a
// safe replacement (false: the plural has no known singular).
func curlyFix(u string) (rule, fixed string, ok bool) {
	if strings.HasPrefix(u, "1{") && strings.HasSuffix(u, "}") && strings.Count(u, "{") == 1 {
		return RuleUnitLeadingOne, u[1:], true
	}
	if !strings.HasPrefix(u, "{") || !strings.HasSuffix(u, "}") || strings.Count(u, "{") != 1 {
		return "", "", false
	}
	word := u[1 : len(u)-1]
	if len(word) < 3 || !strings.HasSuffix(word, "s") || strings.HasSuffix(word, "ss") || strings.HasSuffix(word, "us") || strings.HasSuffix(word, "is") {
		return "", "", false
	}
	if w, ok := ucum.FromWord(word); ok && strings.HasPrefix(w, "{") && w != u {
		return RuleUnitAnnotationPlural, w, true
	}
	return RuleUnitAnnotationPlural, "", false
}
