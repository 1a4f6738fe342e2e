//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package semanticfindingsextension serves the semanticmetrics processor's
// findings as a web page and as JSON: per service.name, each offending metric
// with its unit, rule, level, suggested fix, the action taken, counts and
// first/last seen. The processor names this extension in its `findings` key
// and records into the extension's bounded Store.
package semanticfindingsextension
