// Package bench holds the pieces of the end-to-end benchmark of otelcol-obtrace
// against a stock OpenTelemetry Collector of the same release family: the OTLP
// payloads the load generator sends, the sink that plays Obtrace ingest, the
// /proc readers that measure the collector process, the statistics and the
// Markdown report. The load generator is in bench/loadgen and the driver that
// runs the A/B pairs in bench/cmd/benchdriver; BENCHMARKS.md at the repository
// root explains how to run it and what the figures mean.
//
// Everything here talks to 127.0.0.1 only.
package bench
