package semanticmetricsprocessor

import (
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// namespaceCandidate is an active registry metric that an unknown name in its
// namespace may have meant (N9).
type namespaceCandidate struct {
	name string
	kind kind
	dim  ucum.Dimension
}

// registryByNamespace maps the first dotted segment of every active,
// non-canonical registry metric ("http", "db", "system", ...) to the metrics
// in it. Built once, on first use.
var registryByNamespace = sync.OnceValue(func() map[string][]namespaceCandidate {
	idx := map[string][]namespaceCandidate{}
	for _, e := range registry.Entries() {
		if e.Deprecated || e.Canonical || e.Instrument == registry.InstrumentUnknown {
			continue
		}
		i := strings.IndexByte(e.Name, '.')
		if i <= 0 {
			continue
		}
		u, err := ucum.Parse(orDefault(e.Unit, "1"))
		if err != nil {
			continue
		}
		idx[e.Name[:i]] = append(idx[e.Name[:i]], namespaceCandidate{name: e.Name, kind: kindOfInstrument(e.Instrument), dim: u.Dim})
	}
	return idx
})

// similarRegistryMetric returns the registry metric an unknown name inside a
// semconv namespace most likely meant (N9). Candidates are active registry metrics with the
// same first segment, the same instrument class and the same unit dimension.
// A candidate must also be close in its distinctive words (closeWords): a
// shared namespace alone is not a reason (system.filesystem.inodes.usage is
// not system.filesystem.lock.count). Among those, the suggestion is, in order:
//   - the only candidate inside the name's own namespace of at least two
//     segments (http.server.latency -> the only time histogram under
//     http.server. is http.server.request.duration);
//   - otherwise the candidate with the smallest edit distance, if that distance
//     is at most a third of the longer name (system.memory.used -> system.memory.usage).
//
// unit must be valid UCUM or "" (read as "1").
func similarRegistryMetric(name, unit string, t pmetric.MetricType, mono bool) (string, bool) {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return "", false
	}
	cands := registryByNamespace()[name[:i]]
	if len(cands) == 0 {
		return "", false
	}
	k := kindOfData(t, mono)
	if k == kindAny {
		return "", false
	}
	u, err := ucum.Parse(orDefault(unit, "1"))
	if err != nil || u.Affine {
		return "", false
	}
	ns := name[:strings.LastIndexByte(name, '.')]
	nsOK := strings.IndexByte(ns, '.') > 0
	inNS, nInNS := "", 0
	best, bestD := "", -1
	for _, c := range cands {
		if c.kind != k || c.dim != u.Dim || !closeWords(name, c.name) {
			continue
		}
		if nsOK && len(c.name) > len(ns) && c.name[len(ns)] == '.' && strings.HasPrefix(c.name, ns) {
			inNS = c.name
			nInNS++
		}
		if d := editDistance(name, c.name); bestD < 0 || d < bestD || (d == bestD && c.name < best) {
			best, bestD = c.name, d
		}
	}
	if nInNS == 1 {
		return inNS, true
	}
	if bestD >= 0 && 3*bestD <= max(len(name), len(best)) {
		return best, true
	}
	return "", false
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// wordSynonyms maps words of unknown names to the registry word that means
// the same measurement.
var wordSynonyms = map[string]string{"latency": "duration", "elapsed": "duration"}

// closeWords reports whether every word of name (split on '.' and '_') that
// candidate does not share has a counterpart among candidate's other words: a
// synonym (latency ~ duration), the same stem (used ~ usage) or a one-letter
// typo in a word of five letters or more. Extra words in candidate are fine
// (http.server.latency ~ http.server.request.duration).
func closeWords(name, candidate string) bool {
	nw, cw := words(name), words(candidate)
	for _, w := range nw {
		if containsWord(cw, w) {
			continue
		}
		ok := false
		for _, c := range cw {
			if containsWord(nw, c) {
				continue // shared, not a counterpart
			}
			if wordSynonyms[w] == c || stem(w) == stem(c) || (len(w) >= 5 && editDistance(w, c) <= 1) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func words(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '_' })
}

// containsWord reports w, or a word of the same stem, in ws.
func containsWord(ws []string, w string) bool {
	return slices.ContainsFunc(ws, func(x string) bool { return x == w || stem(x) == stem(w) })
}

// stem strips one common English suffix (used, usage -> us; connections -> connection).
func stem(w string) string {
	for _, suf := range []string{"ing", "age", "ed", "es", "s"} {
		if len(w) > len(suf)+1 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}
