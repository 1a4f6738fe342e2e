//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package semanticmetricsprocessor validates metrics against the OpenTelemetry
// semantic conventions and Obtrace's canonical metric names. Depending on the
// configured action it logs findings, annotates metric metadata, normalizes
// names and units with exact rational conversions, or drops violating metrics.
// README.md is the user's documentation (rules, actions, bounds); this is the
// design of the code.
//
// A metric's verdict depends only on its cacheKey (name, unit, data type,
// monotonicity) and the configuration, so the analyzer (analysis.go) computes
// it once per key and the verdict cache (cache.go) keeps it: compliant traffic
// costs one lookup in a lock-free snapshot. The analyzer checks a known name
// against its definition (known.go: kinds.go, units.go, unitword.go) and lints
// an unknown one (lint.go, similar.go); finish (finish.go) resolves each
// finding's configured action into the verdict (verdict.go): the plan that
// normalize applies all or nothing, the annotations, whether to drop.
//
// Value rules (V1, H1) depend on the data, not the key: the verdict only names
// the scan to run on every batch and the verdict to report when it trips
// (values.go). Per batch, processMetrics (processor.go) looks up each metric's
// verdict and act (actions.go) applies it, with exact conversions
// (convert.go), giving one outcome per metric: kept, fixed, merged or
// dropped. The reporter (reporter.go) logs each (service.name, metric) once
// and counts findings for the periodic summary. Every string a client sends
// is bounded before it is used (bounds.go).
package semanticmetricsprocessor
