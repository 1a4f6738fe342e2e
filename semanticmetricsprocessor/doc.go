//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package semanticmetricsprocessor validates metrics against the OpenTelemetry
// semantic conventions and Obtrace's canonical metric names. Depending on the
// configured action it logs findings, annotates metric metadata, normalizes
// names and units with exact rational conversions, or drops violating metrics.
package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"
