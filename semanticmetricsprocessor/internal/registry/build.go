package registry

import (
	"fmt"
	"sort"
)

var (
	entries                    []Entry
	byName                     map[string]Entry
	byPrometheusName           map[string]Entry
	byPrometheusDeprecatedName map[string]Entry
)

func init() {
	entries, byName = build()
	byPrometheusName = buildPrometheusIndex(entries)
	byPrometheusDeprecatedName = buildDeprecatedPrometheusIndex(entries, byPrometheusName)
}

// build merges the generated table, the curated supplement, the bucket advice
// and the canonical names into one sorted slice and its name index. Bad
// curated data is a programming error caught by the tests, so it panics.
func build() ([]Entry, map[string]Entry) {
	m := make(map[string]Entry, len(generatedModel)+len(generatedLegacy)+len(supplement)+len(canonical))
	for _, src := range [][]Entry{generatedModel, generatedLegacy} {
		for _, e := range src {
			m[e.Name] = e
		}
	}
	for _, c := range supplement {
		if base, ok := m[c.Name]; ok {
			m[c.Name] = merge(base, c)
		} else {
			m[c.Name] = c
		}
	}
	for name, bounds := range bucketAdvice {
		e, ok := m[name]
		if !ok || e.Instrument != Histogram {
			panic(fmt.Sprintf("registry: bucket advice for %q, which is not a known histogram", name))
		}
		e.BucketBoundaries = bounds
		m[name] = e
	}
	for _, c := range append(append([]Entry(nil), canonical...), canonicalSpellings...) {
		c.Canonical = true
		c.Source = orSource(c.Source, canonicalSource)
		if base, ok := m[c.Name]; ok {
			// A canonical name that is also a convention keeps the
			// convention's metadata and is marked canonical (none at v1.44.0).
			m[c.Name] = merge(base, Entry{Canonical: true, Source: canonicalSource})
			continue
		}
		m[c.Name] = c
	}
	out := make([]Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, m
}

func orSource(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
