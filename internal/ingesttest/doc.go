// Package ingesttest is the one fake Obtrace ingest of the tests (the contract:
// ../shared/obtrace-ingest.md), and the pieces of it that bench.Sink shares.
//
// An Ingest listens on 127.0.0.1 (a random port unless told one), takes
// OTLP/HTTP protobuf on /otlp/v1/{traces,metrics,logs} (any path ending in
// the signal's name, so per-signal URLs work too), plain or gzip, decodes each
// request into pdata and records it as a Request. Other paths, such as the
// exporter's /v1/init handshake, are recorded undecoded. A Responder chooses
// each answer from the decoded request; SetDelay makes a slow ingest.
//
// Numbering: Request.N counts the requests on one path from 1 (the first
// traces request is N 1, and so is the first logs request).
package ingesttest
