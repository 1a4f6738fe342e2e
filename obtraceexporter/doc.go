//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package obtraceexporter exports traces, metrics and logs to Obtrace
// (https://obtrace.ai) over OTLP/HTTP with protobuf encoding.
//
// It is a thin layer over the upstream otlphttpexporter: it translates its own
// Config into an otlphttpexporter.Config (Obtrace paths, Bearer API key,
// compression, TLS, timeout), adds the Obtrace identity (tenant, project, app,
// environment) to every resource, and reports ingest-specific outcomes
// (rejected keys, partial success) in logs and in its own telemetry.
package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"
